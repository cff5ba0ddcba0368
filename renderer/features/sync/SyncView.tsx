import { useEffect, useMemo, useState } from 'react';
import { budgetWarning } from '../../../common/sync/candidates';
import type { InventoryDevice } from '../../../common/domain/device';
import { nvrDisplayName } from '../../../common/reset/label';
import { isSuccess, OUTCOMES } from '../../../common/sync/outcomes';
import { tally, toHtmlReport, type ReportFormat, type SyncRow } from '../../../common/sync/report';
import { nvr } from '../../src/api';
import { showRun, useAppInfo, useCases, useClockOffset, useDevices, useSiteLoop, useSyncRun } from '../../src/data';
import { explain } from '../../src/errors';
import { currentNvrRef } from '../../src/labels';
import { go, useNav } from '../../src/nav';
import { downloadText, openPrintView } from './download';
import { SyncTable } from './SyncTable';
import { SiteLoop } from '../site/SiteLoop';
import './sync.css';

const MAX_CANDIDATES = 5;

/** Camera sync: choose cameras, push the new password, watch each one, retry, export. */
export function SyncView() {
  const { params } = useNav();
  const caseId = params.caseId;
  const desktop = useAppInfo().data?.host === 'electron';
  const inventory = useDevices().data;
  const cases = useCases().data?.cases;
  // The case this sync belongs to: the one the wizard handed over, else the latest reset done.
  const theCase = cases?.find((c) => c.id === caseId) ?? cases?.find((c) => c.outcome === 'reset');
  // The NVR's own password was reset on its screen: it is never one of the cameras here.
  const cameras = useMemo(() => [...(inventory?.values() ?? [])].filter((d) => d.xaddrs.length > 0 && d.kind !== 'nvr'), [inventory]);
  const byXaddr = useMemo(() => new Map([...(inventory?.values() ?? [])].flatMap((d) => d.xaddrs.map((x) => [x, d] as const))), [inventory]);
  const [unchecked, setUnchecked] = useState<Set<string>>(new Set());
  const [manual, setManual] = useState('');
  const [username, setUsername] = useState('admin');
  const [candidates, setCandidates] = useState<string[]>(['']);
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [useCase, setUseCase] = useState(Boolean(caseId));
  useEffect(() => setUseCase(Boolean(caseId)), [caseId]);
  const run = useSyncRun().data ?? null;
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const [formOpen, setFormOpen] = useState(false);
  const mainOffset = useClockOffset();
  const site = useSiteLoop().data ?? null;

  // Every camera is chosen unless the technician unticks it (new cameras found later are chosen too).
  const isChosen = (d: InventoryDevice) => !unchecked.has(d.xaddrs[0]!);
  const chosenCount = cameras.filter(isChosen).length;

  const running = run?.running ?? false;
  // Mirrors main's rule: locked cameras wait for their countdown, and ones that used their failed sign-ins wait for a new run.
  const failed = useMemo(() => {
    const now = Date.now() + mainOffset;
    return (run?.rows ?? []).filter(
      (r) => r.outcome && !isSuccess(r.outcome) && OUTCOMES[r.outcome].retryable && r.failedAuths < (run?.maxFailedAuthsPerDevice ?? 2) && !(r.unlockAt !== undefined && r.unlockAt > now),
    );
  }, [run, mainOffset]);
  // After a run the results come first and the form folds away until asked for.
  // …except when a retry needs passwords the app no longer holds: then the form is where they go.
  // Said before the run starts, as the CLI does: which guesses a camera may never get to.
  const maxWrong = run?.maxFailedAuthsPerDevice ?? 2;
  const budgetNote = budgetWarning(candidates.filter(Boolean).length, maxWrong);
  const needsPasswords = !!run && !running && failed.length > 0 && !run.hasSecrets;
  const showForm = !run || formOpen || needsPasswords;

  const targets = (): { xaddr: string; username: string; deviceId?: string }[] => {
    const chosen = cameras.filter(isChosen).map((d) => ({ xaddr: d.xaddrs[0]!, username, deviceId: d.id }));
    const typed = manual.split(/\s+/).filter(Boolean).map((xaddr) => ({ xaddr, username }));
    return [...chosen, ...typed];
  };

  const start = async () => {
    setError(undefined);
    setSaved(undefined);
    const t = targets();
    const current = candidates.filter(Boolean);
    if (!t.length) return setError('Choose at least one camera or type its ONVIF address.');
    const bad = t.find((x) => !/^https?:\/\/[^\s/]+/.test(x.xaddr));
    if (bad) return setError(`"${bad.xaddr}" is not a device address like http://192.168.1.108/onvif/device_service.`);
    if (!current.length) return setError('Enter the password the cameras have now (up to five guesses, tried in order).');
    if (!(useCase && caseId) && (!newPassword || newPassword !== confirm)) return setError('Enter the new password twice, the same both times.');
    try {
      const { runId } = await nvr.sync.start({
        targets: t,
        currentPasswords: current,
        ...(useCase && caseId ? { caseId } : { newPassword }),
      });
      // Main holds the passwords for "retry failed"; the form need not.
      setCandidates(['']);
      setNewPassword('');
      setConfirm('');
      setFormOpen(false);
      showRun(await nvr.sync.status({ runId }));
    } catch (e) {
      setError(explain(e));
    }
  };

  const retry = async () => {
    setError(undefined);
    try {
      const current = candidates.filter(Boolean);
      await nvr.sync.retryFailed({
        runId: run?.runId,
        ...(current.length ? { currentPasswords: current } : {}),
        ...(newPassword && newPassword === confirm ? { newPassword } : {}),
      });
      showRun(await nvr.sync.status({ runId: run?.runId }));
    } catch (e) {
      setError(explain(e));
    }
  };

  /** The form's cameras and passwords for closing the loop with the NVR, or what is missing. */
  const collect = () => {
    const t = targets();
    const current = candidates.filter(Boolean);
    if (!t.length) return 'Choose at least one camera or type its ONVIF address.';
    if (!current.length) return 'Enter the password the cameras have now (up to five guesses, tried in order).';
    if (!(useCase && caseId) && (!newPassword || newPassword !== confirm)) return 'Enter the new password twice, the same both times.';
    return { targets: t, secrets: { currentPasswords: current, ...(useCase && caseId ? { caseId } : { newPassword }) } };
  };

  const exportAs = async (format: ReportFormat) => {
    setSaved(undefined);
    try {
      if (format === 'html' && run) {
        // Built here, where the names (inventory) and the case are known; main's rows carry neither.
        const devices = Object.fromEntries(
          [...byXaddr].map(([x, d]) => [x, { name: d.name, model: d.model, serial: d.serial, mac: d.mac }]),
        );
        openPrintView(
          toHtmlReport(run.rows as SyncRow[], {
            runId: run.runId,
            startedAt: run.startedAt,
            finishedAt: run.finishedAt,
            site: theCase && theCase.nvr.label !== theCase.nvr.model ? theCase.nvr.label : undefined,
            nvr: theCase ? currentNvrRef(theCase.nvr, inventory) : undefined,
            caseName: theCase ? nvrDisplayName(currentNvrRef(theCase.nvr, inventory)) : undefined,
            generatedAt: Date.now() + mainOffset,
            devices,
            ...(site?.syncRunId === run.runId && !site.running ? { channels: site.results } : {}),
          }),
        );
        setSaved('The printable report opened in a new window with the print dialog.');
        return;
      }
      const r = await nvr.sync.report({ runId: run?.runId, format });
      downloadText(r.filename, r.mime, r.content, r.encoding);
      setSaved(`Saved as ${r.filename} in your downloads folder.`);
    } catch (e) {
      setError(explain(e));
    }
  };

  const toggle = (xaddr: string) =>
    setUnchecked((s) => {
      const n = new Set(s);
      if (n.has(xaddr)) n.delete(xaddr);
      else n.add(xaddr);
      return n;
    });

  const rows = (run?.rows ?? []) as SyncRow[];
  const counts = tally(rows);
  // A recorder typed by hand is listed, but never counted as a camera.
  const cameraRows = rows.filter((r) => byXaddr.get(r.xaddr)?.kind !== 'nvr').length;
  const form = (
    <>
      <fieldset>
        <legend>
          Cameras <span className="hint" data-testid="sync-count">({chosenCount} of {cameras.length} chosen)</span>
        </legend>
        {cameras.length === 0 ? (
          <p className="hint">No ONVIF cameras in the inventory yet: type their addresses below.</p>
        ) : (
          <div className="actions">
            <button type="button" onClick={() => setUnchecked(new Set())} data-testid="sync-all">Select all</button>
            <button type="button" onClick={() => setUnchecked(new Set(cameras.map((d) => d.xaddrs[0]!)))} data-testid="sync-none">Select none</button>
          </div>
        )}
        <ul className="device-list">
          {cameras.map((d) => (
            <li key={d.id}>
              <label title={d.xaddrs[0]}>
                <input type="checkbox" checked={isChosen(d)} onChange={() => toggle(d.xaddrs[0]!)} data-testid="sync-device" />
                <span>
                  <b>{d.name ?? d.model ?? d.addresses[0]}</b>
                  <br />
                  <span className="hint">{[d.name && d.model && !d.name.includes(d.model) ? d.model : undefined, d.serial && `S/N ${d.serial}`, d.addresses[0]].filter(Boolean).join(' · ')}</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
        <label>
          Addresses typed by hand (one device service URL per line)
          <textarea rows={3} value={manual} onChange={(e) => setManual(e.target.value)} data-testid="sync-manual" placeholder="http://192.168.1.108/onvif/device_service" />
        </label>
        <label className="inline">
          User name on the cameras <input value={username} onChange={(e) => setUsername(e.target.value)} data-testid="sync-username" />
        </label>
      </fieldset>
      <fieldset>
        <legend>Passwords</legend>
        {candidates.map((c, i) => (
          <label key={i}>
            {i === 0 ? 'Password the cameras have now' : `Another guess (${i + 1})`}{' '}
            <input type="password" data-secret autoComplete="off" value={c} data-testid={`sync-current-${i}`}
              onChange={(e) => setCandidates((list) => list.map((x, j) => (j === i ? e.target.value : x)))} />
          </label>
        ))}
        {candidates.length < MAX_CANDIDATES && (
          <button type="button" onClick={() => setCandidates((l) => [...l, ''])}>Add a guess</button>
        )}
        <p className="hint">Guesses are tried in order; each camera gets at most {maxWrong} wrong ones per run.</p>
        {budgetNote && (
          <p className="sync-budget-warning" role="status" data-testid="sync-budget-warning">
            {budgetNote}
          </p>
        )}
        {caseId && (
          <label className="inline">
            <input type="checkbox" checked={useCase} onChange={(e) => setUseCase(e.target.checked)} data-testid="sync-use-case" />
            Use the new password of the reset case {theCase ? nvrDisplayName(currentNvrRef(theCase.nvr, inventory)) : ''}
            {theCase?.passwordKept === 'session-memory' ? ' (kept in memory for this session)' : ''}
          </label>
        )}
        {!(useCase && caseId) && (
          <>
            <label>New camera password <input type="password" data-secret autoComplete="new-password" value={newPassword} onChange={(e) => setNewPassword(e.target.value)} data-testid="sync-new" /></label>
            <label>New camera password, again <input type="password" data-secret autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} data-testid="sync-confirm" /></label>
          </>
        )}
      </fieldset>
      <div className="actions">
        <button type="button" className="primary" onClick={start} data-testid="sync-save">Save and sync</button>
        <button type="button" onClick={() => (caseId ? go('reset', { caseId }) : go('devices'))} data-testid="sync-skip">Cancel (do not sync)</button>
      </div>
    </>
  );

  return (
    <section className="sync" aria-label="Camera sync">
      <h2>Sync the new password to the cameras</h2>
      <p className="hint">
        The NVR's own sync reaches only cameras it added with its private protocol and reports nothing per camera. This pushes the new
        password to each ONVIF camera, checks it, and stops before any camera could lock the account.
      </p>
      {error && <p role="alert" className="error">{error}</p>}
      {run && (
        <section aria-label="Results" className="results">
          <div className="summary" data-testid="sync-summary" data-running={String(running)} role="status" aria-live="polite">
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
            {running && <button type="button" onClick={() => void nvr.sync.cancel({ runId: run.runId })} data-testid="sync-cancel">Stop sync</button>}
            {!running && failed.length > 0 && (
              <button type="button" className="primary" onClick={retry} data-testid="sync-retry">Retry failed ({failed.length})</button>
            )}
            {!running && (
              <>
                <button type="button" onClick={() => void exportAs('csv')} data-testid="sync-export-csv">Export CSV</button>
                <button type="button" onClick={() => void exportAs('json')} data-testid="sync-export-json">Export JSON</button>
                {desktop ? (
                  <button type="button" onClick={() => void exportAs('pdf')} data-testid="sync-export-pdf">Save PDF report</button>
                ) : (
                  <button type="button" onClick={() => void exportAs('html')} data-testid="sync-export-html">Printable report</button>
                )}
              </>
            )}
          </div>
          {saved && <p role="status" className="saved" data-testid="sync-saved">{saved}</p>}
          {needsPasswords && (
            <p className="hint">The app no longer holds this run's passwords: enter them in the form below, then retry.</p>
          )}
          <SyncTable rows={rows} devices={byXaddr} mainOffset={mainOffset} />
        </section>
      )}
      {showForm ? (
        form
      ) : (
        !running && (
          <button type="button" onClick={() => setFormOpen(true)} data-testid="sync-new-run" aria-expanded="false">
            Start another sync…
          </button>
        )
      )}
      <SiteLoop source={{ collect }} devices={inventory ?? new Map()} caseId={caseId} nvrHost={theCase?.nvr.address} />
    </section>
  );
}
