import { useState, type RefObject } from 'react';
import type { SyncRunState } from '../../../common/contract/sync';
import type { InventoryDevice } from '../../../common/domain/device';
import { passwordRuleProblem } from '../../../common/reset/password';
import { tally, type ReportFormat, type SyncRow } from '../../../common/sync/report';
import { budgetLeftSummary, needsNewPassword } from '../../../common/sync/retry';

export interface SyncResultsProps {
  run: SyncRunState;
  rows: SyncRow[];
  byXaddr: Map<string, InventoryDevice>;
  desktop: boolean;
  /** Failed rows a retry with the same passwords may touch (common/sync/retry.ts). */
  retryable: SyncRow[];
  needsPasswords: boolean;
  saved: string | undefined;
  /** The summary line: focus lands here after an action whose button goes away (never on the page body). */
  summaryRef: RefObject<HTMLDivElement | null>;
  onCancel(): void;
  onRetry(newPassword?: string): Promise<boolean>;
  onExport(format: ReportFormat): void;
  table: React.ReactNode;
}

/** The run: its tally, what a retry may do and what each camera has left of its budget, the exports, the rows. */
export function SyncResults(p: SyncResultsProps) {
  const { run, rows } = p;
  const running = run.running;
  const counts = tally(rows);
  // A recorder typed by hand is listed, but never counted as a camera.
  const cameraRows = rows.filter((r) => p.byXaddr.get(r.xaddr)?.kind !== 'nvr').length;
  const refusedIt = running ? [] : rows.filter(needsNewPassword);
  const budget = running ? undefined : budgetLeftSummary(rows, run.maxFailedAuthsPerDevice);
  return (
    <section aria-label="Results" className="results">
      <div className="summary" data-testid="sync-summary" data-running={String(running)} role="status" aria-live="polite" tabIndex={-1} ref={p.summaryRef}>
        <b>{running ? 'Syncing…' : 'Sync finished.'}</b>{' '}
        <span data-testid="sync-tally">
          {counts.map((t, i) => (
            <span key={t.outcome} className={`tally o-${t.success ? 'good' : t.outcome === 'pending' ? 'pending' : 'bad'}`}>
              {i > 0 ? ' · ' : ''}
              {t.count} {t.label}
            </span>
          ))}
        </span>{' '}
        <span className="hint">
          ({cameraRows} camera{cameraRows === 1 ? '' : 's'}
          {rows.length > cameraRows ? ` + ${rows.length - cameraRows} recorder${rows.length - cameraRows === 1 ? '' : 's'}` : ''}, started {new Date(run.startedAt).toLocaleTimeString()}
          {run.finishedAt ? `, finished ${new Date(run.finishedAt).toLocaleTimeString()}` : ''})
        </span>
      </div>
      <div className="actions">
        {running && <button type="button" onClick={p.onCancel} data-testid="sync-cancel">Stop sync</button>}
        {!running && p.retryable.length > 0 && (
          <button type="button" className="primary" onClick={() => void p.onRetry()} data-testid="sync-retry">Retry failed ({p.retryable.length})</button>
        )}
        {!running && (
          <>
            <button type="button" onClick={() => p.onExport('csv')} data-testid="sync-export-csv">Export CSV</button>
            <button type="button" onClick={() => p.onExport('json')} data-testid="sync-export-json">Export JSON</button>
            {p.desktop ? (
              <button type="button" onClick={() => p.onExport('pdf')} data-testid="sync-export-pdf">Save PDF report</button>
            ) : (
              <button type="button" onClick={() => p.onExport('html')} data-testid="sync-export-html">Printable report</button>
            )}
          </>
        )}
      </div>
      {budget && <p className="hint" data-testid="sync-budget-left">{budget}</p>}
      {refusedIt.length > 0 && <AnotherPassword rows={refusedIt} onRetry={p.onRetry} />}
      {p.saved && <p role="status" className="saved" data-testid="sync-saved">{p.saved}</p>}
      {p.needsPasswords && <p className="hint">The app no longer holds this run's passwords: enter them in the form below, then retry.</p>}
      {p.table}
    </section>
  );
}

/** Cameras that refused the new password under their own rule: the same one would be refused again, so ask for another. */
function AnotherPassword({ rows, onRetry }: { rows: SyncRow[]; onRetry(newPassword?: string): Promise<boolean> }) {
  const [pw, setPw] = useState('');
  const [again, setAgain] = useState('');
  const [said, setSaid] = useState<string>();
  const reasons = [...new Set(rows.map((r) => r.subcode))].join(', ');
  const n = rows.length;
  const go = async () => {
    const rule = passwordRuleProblem(pw);
    if (rule) return setSaid(rule);
    if (pw !== again) return setSaid('Enter the other new password twice, the same both times.');
    setSaid(undefined);
    if (await onRetry(pw)) {
      setPw('');
      setAgain('');
    }
  };
  return (
    <fieldset className="another-password" data-testid="sync-needs-new-password">
      <legend>
        {n} camera{n === 1 ? '' : 's'} refused this new password under {n === 1 ? 'its' : 'their'} own rule ({reasons})
      </legend>
      <p className="hint">Retrying with the same password would be refused again. Choose another new password for {n === 1 ? 'it' : 'them'} (see each camera's next step):</p>
      <label>Another new password <input type="password" data-secret autoComplete="new-password" value={pw} onChange={(e) => setPw(e.target.value)} data-testid="sync-retry-new" /></label>
      <label>Again <input type="password" data-secret autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} data-testid="sync-retry-confirm" /></label>
      {said && <p role="alert" className="error" data-testid="sync-retry-rule">{said}</p>}
      <button type="button" onClick={() => void go()} data-testid="sync-retry-with-new">Retry {n === 1 ? 'it' : 'them'} with this password</button>
    </fieldset>
  );
}
