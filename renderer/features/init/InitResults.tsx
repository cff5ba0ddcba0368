import { useEffect, useRef, useState } from 'react';
import type { InitRow, InitRunState } from '../../../common/contract/init';
import type { InventoryDevice } from '../../../common/domain/device';
import { INIT_OUTCOMES, type InitStep } from '../../../common/init/outcomes';
import { nvr } from '../../src/api';
import { explain } from '../../src/errors';
import { deviceLabel } from '../../src/labels';
import { downloadText } from '../sync/download';
import { rowTone, tallyInit } from './model';

const STEP_LABEL: Record<InitStep, string> = {
  pending: 'Waiting…',
  status: 'Checking its state…',
  agreement: 'Accepting the user agreement…',
  key: 'Reading its encryption key…',
  account: 'Setting the password and e-mail…',
  access: 'Turning cloud access off…',
  'sign-in': 'Signing in with the new password…',
  done: 'Done',
};
const ICON = { good: '✓', bad: '✕', wait: '…' } as const;

/**
 * The run's per-device outcome rows, live (like camera sync's results): the
 * outcome's label, what happened with the device's own words, the next step;
 * Stop while it runs, the report once it ended. `focusKey` changing moves focus
 * to the heading (a run just started from the panel, which is gone now).
 */
export function InitResults({ run, devices, focusKey, onHide }: { run: InitRunState; devices: Map<string, InventoryDevice>; focusKey: number; onHide(): void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusKey === 0) return;
    heading.current?.scrollIntoView({ block: 'nearest' });
    heading.current?.focus({ preventScroll: true });
  }, [focusKey]);

  return (
    <section className="init-results" aria-labelledby="init-results-title" data-testid="init-results">
      <h2 id="init-results-title" ref={heading} tabIndex={-1} data-focus-home="">
        {run.running ? 'Initialising new devices' : 'New devices: initialisation finished'}
      </h2>
      <p role="status" className="init-summary" data-testid="init-summary" data-running={String(run.running)}>
        {tallyInit(run.rows).map((t, i) => (
          <span key={t.key} className={`tally o-${t.tone}`}>
            {i > 0 ? ' · ' : ''}
            {t.count} {t.label}
          </span>
        ))}
        {run.emailMasked ? <span className="hint"> — reset e-mail {run.emailMasked}</span> : null}
      </p>
      <RunActions run={run} onHide={onHide} />
      <table aria-label="Devices in this initialisation">
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Outcome</th>
            <th scope="col">What happened</th>
            <th scope="col">Next step</th>
          </tr>
        </thead>
        <tbody>
          {run.rows.map((r) => (
            <ResultRow key={r.key} r={r} d={r.deviceId ? devices.get(r.deviceId) : undefined} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Stop while the run goes; once it ended, the report (main builds it: no password, the e-mail masked) and hiding the results. */
function RunActions({ run, onHide }: { run: InitRunState; onHide(): void }) {
  const [saved, setSaved] = useState<{ ok: boolean; text: string }>();
  const exportAs = async (format: 'csv' | 'json') => {
    try {
      const r = await nvr.init.report({ runId: run.runId, format });
      downloadText(r.filename, r.mime, r.content);
      setSaved({ ok: true, text: `Saved as ${r.filename} in your downloads folder.` });
    } catch (e) {
      setSaved({ ok: false, text: explain(e) });
    }
  };
  return (
    <>
      <div className="actions">
        {run.running ? (
          <button type="button" onClick={() => void nvr.init.cancel({ runId: run.runId }).catch(() => undefined)} data-testid="init-stop">
            Stop (devices under way are finished first)
          </button>
        ) : (
          <>
            <button type="button" onClick={() => void exportAs('csv')} data-testid="init-export-csv">
              Export CSV
            </button>
            <button type="button" onClick={() => void exportAs('json')} data-testid="init-export-json">
              Export JSON
            </button>
            <button type="button" onClick={onHide} data-testid="init-hide">
              Hide these results
            </button>
          </>
        )}
      </div>
      {saved && (
        <p role={saved.ok ? 'status' : 'alert'} className={saved.ok ? 'ok' : 'bad'} data-testid="init-saved">
          {saved.text}
        </p>
      )}
    </>
  );
}

function ResultRow({ r, d }: { r: InitRow; d: InventoryDevice | undefined }) {
  const tone = rowTone(r);
  const info = r.outcome ? INIT_OUTCOMES[r.outcome] : undefined;
  return (
    <tr data-testid="init-row" data-outcome={r.outcome ?? ''} data-step={r.step} data-device-id={r.deviceId ?? ''} className={`row-${tone}`}>
      <td>
        <b>{d ? deviceLabel(d) : 'Device typed by address'}</b>
        <div className="hint mono">{r.key}</div>
      </td>
      <td className={`outcome o-${tone}`} data-testid="init-outcome" title={info?.explanation}>
        <span aria-hidden="true">{ICON[tone]} </span>
        {info ? info.label : STEP_LABEL[r.step]}
      </td>
      <td>
        {r.detail}
        {/* What happened on the NVR for this device (its channel's password, a pause, no session): a line of its own. */}
        {r.nvr !== undefined && (
          <div className="init-nvr-result" data-testid="init-nvr-result">
            The NVR: {r.nvr}
          </div>
        )}
        {r.deviceWords !== undefined && (
          <div data-testid="init-device-words">
            The device said: “{r.deviceWords}”{r.deviceCode !== undefined ? ` (code ${r.deviceCode})` : ''}
          </div>
        )}
        {r.resumed && <div className="hint">Settled from the interrupted run’s journal: its account was not sent again.</div>}
      </td>
      <td>{r.nextStep ?? info?.nextStep}</td>
    </tr>
  );
}
