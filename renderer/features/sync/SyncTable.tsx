import { useEffect, useState } from 'react';
import type { InventoryDevice } from '../../../common/domain/device';
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

/** Success or failure comes from the OUTCOMES table itself: a new outcome gets its colour without a change here. */
function tone(r: SyncRow): 'good' | 'bad' | 'pending' {
  if (!r.outcome) return 'pending';
  return OUTCOMES[r.outcome].success ? 'good' : 'bad';
}
const ICON = { good: '✓', bad: '✗', pending: '…' } as const;

/** Live per-device rows, named from the inventory; lock countdowns tick on the app clock (mainOffset = app clock − Date.now()). */
export function SyncTable({ rows, devices, mainOffset }: { rows: SyncRow[]; devices: Map<string, InventoryDevice>; mainOffset: number }) {
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
          <th>Camera</th>
          <th>User</th>
          <th>Outcome</th>
          <th>What happened</th>
          <th>Next step</th>
          <th>
            <abbr title="Sign-ins this camera refused (all its accounts, every feature of the app, the last 30 minutes). A clean change costs none.">
              Sign-ins refused
            </abbr>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const d = devices.get(r.xaddr);
          const t = tone(r);
          const info = r.outcome ? OUTCOMES[r.outcome] : undefined;
          return (
            <tr key={r.key} data-testid="sync-row" data-xaddr={r.xaddr} data-username={r.username} data-outcome={r.outcome ?? ''} data-step={r.step} className={`row-${t}`}>
              <td>
                <b data-testid="sync-name">{d?.name ?? d?.model ?? 'Camera typed by hand'}</b>
                <div className="hint">
                  {[d?.model && d.model !== d.name ? d.model : undefined, d?.serial && `S/N ${d.serial}`, d?.mac && `MAC ${d.mac}`].filter(Boolean).join(' · ')}
                </div>
                <div className="hint mono">{r.xaddr}</div>
              </td>
              <td>{r.username}</td>
              <td className={`outcome o-${t}`} data-testid="sync-outcome" title={info?.explanation}>
                <span aria-hidden="true">{ICON[t]} </span>
                {info ? info.label : STEP_LABEL[r.step]}
                {r.subcode && r.outcome === 'rejected' ? ` (${r.subcode})` : ''}
                {r.unlockAt !== undefined && r.unlockAt > now && (
                  <span data-testid="unlock-countdown"> · unlocks in {remaining(r.unlockAt - now)}</span>
                )}
              </td>
              <td>{r.detail}</td>
              <td>{r.nextStep}</td>
              <td data-testid="sync-refused">{r.failedAuths}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
