import { useEffect, useState } from 'react';
import { OUTCOMES } from '../../../common/sync/outcomes';
import type { SyncRow } from '../../../common/sync/report';

const STEP_LABEL: Record<SyncRow['step'], string> = {
  queued: 'Waiting…',
  reach: 'Connecting…',
  authenticate: 'Signing in…',
  users: 'Reading users…',
  'set-user': 'Changing password…',
  verify: 'Verifying…',
  waiting: 'Waiting for the camera…',
  done: 'Done',
};

function remaining(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Live per-device rows; lock countdowns tick on the app clock (mainOffset = app clock − Date.now()). */
export function SyncTable({ rows, mainOffset }: { rows: SyncRow[]; mainOffset: number }) {
  const [now, setNow] = useState(() => Date.now() + mainOffset);
  const anyLocked = rows.some((r) => r.unlockAt !== undefined);
  useEffect(() => {
    if (!anyLocked) return;
    const t = setInterval(() => setNow(Date.now() + mainOffset), 1000);
    return () => clearInterval(t);
  }, [anyLocked, mainOffset]);

  return (
    <table aria-label="Devices in this sync">
      <thead>
        <tr>
          <th>Address</th>
          <th>User</th>
          <th>Outcome</th>
          <th>What happened</th>
          <th>Next step</th>
          <th>Failed sign-ins</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-testid="sync-row" data-xaddr={r.xaddr} data-username={r.username} data-outcome={r.outcome ?? ''} data-step={r.step}>
            <td>{r.xaddr}</td>
            <td>{r.username}</td>
            <td className={`o-${r.outcome ?? 'pending'}`} data-testid="sync-outcome">
              {r.outcome ? OUTCOMES[r.outcome].label : STEP_LABEL[r.step]}
              {r.subcode && r.outcome === 'rejected' ? ` (${r.subcode})` : ''}
              {r.unlockAt !== undefined && r.unlockAt > now && (
                <span data-testid="unlock-countdown"> · unlocks in {remaining(r.unlockAt - now)}</span>
              )}
            </td>
            <td>{r.detail}</td>
            <td>{r.nextStep}</td>
            <td>{r.failedAuths}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
