import { useEffect, useMemo, useState } from 'react';
import type { SyncRunState } from '../../../common/contract/sync';
import type { InventoryDevice } from '../../../common/domain/device';
import { isSuccess, OUTCOMES } from '../../../common/sync/outcomes';
import type { ReportFormat, SyncRow } from '../../../common/sync/report';
import { nvr } from '../../src/api';
import { go, useNav } from '../../src/nav';
import { downloadText } from './download';
import { SyncTable } from './SyncTable';
import './sync.css';

const MAX_CANDIDATES = 5;

/** Camera sync: choose cameras, push the new password, watch each one, retry, export. */
export function SyncView() {
  const { params } = useNav();
  const caseId = params.caseId;
  const [devices, setDevices] = useState<InventoryDevice[]>([]);
  // PDF export needs Electron's printToPDF; the browser host prints the HTML page instead.
  const [desktop, setDesktop] = useState(false);
  useEffect(() => {
    nvr.app.info().then((i) => setDesktop(i.host === 'electron'), () => undefined);
  }, []);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [manual, setManual] = useState('');
  const [username, setUsername] = useState('admin');
  const [candidates, setCandidates] = useState<string[]>(['']);
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [useCase, setUseCase] = useState(Boolean(caseId));
  const [run, setRun] = useState<SyncRunState | null>(null);
  const [error, setError] = useState<string>();
  const [mainOffset, setMainOffset] = useState(0);

  useEffect(() => {
    nvr.app.info().then((i) => setMainOffset(i.now - Date.now()), () => {});
    nvr.devices.list().then((list) => {
      const withOnvif = list.filter((d) => d.xaddrs.length > 0);
      setDevices(withOnvif);
      setSelected(new Set(withOnvif.filter((d) => d.kind === 'camera').map((d) => d.xaddrs[0]!)));
    }, () => setDevices([]));
    nvr.sync.status({}).then(setRun, () => {});
    const offProgress = nvr.on('sync.progress', ({ runId, rows }) =>
      setRun((prev) => {
        if (!prev || prev.runId !== runId) return prev;
        const byKey = new Map(rows.map((r) => [r.key, r]));
        return { ...prev, rows: prev.rows.map((r) => byKey.get(r.key) ?? r) };
      }),
    );
    const offFinished = nvr.on('sync.finished', (state) => setRun((prev) => (!prev || prev.runId === state.runId ? state : prev)));
    return () => {
      offProgress();
      offFinished();
    };
  }, []);

  const running = run?.running ?? false;
  // Mirrors main's rule: locked cameras wait for their countdown, and ones that used their failed sign-ins wait for a new run.
  const failed = useMemo(() => {
    const now = Date.now() + mainOffset;
    return (run?.rows ?? []).filter(
      (r) => r.outcome && !isSuccess(r.outcome) && OUTCOMES[r.outcome].retryable && r.failedAuths < (run?.maxFailedAuthsPerDevice ?? 2) && !(r.unlockAt !== undefined && r.unlockAt > now),
    );
  }, [run, mainOffset]);
  const done = run?.rows.filter((r) => r.outcome !== undefined).length ?? 0;

  const targets = (): { xaddr: string; username: string; deviceId?: string }[] => {
    const chosen = devices.filter((d) => selected.has(d.xaddrs[0]!)).map((d) => ({ xaddr: d.xaddrs[0]!, username, deviceId: d.id }));
    const typed = manual.split(/\s+/).filter(Boolean).map((xaddr) => ({ xaddr, username }));
    return [...chosen, ...typed];
  };

  const start = async () => {
    setError(undefined);
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
      setRun(await nvr.sync.status({ runId }));
    } catch (e) {
      setError((e as Error).message);
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
      setRun(await nvr.sync.status({ runId: run?.runId }));
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const exportAs = async (format: ReportFormat) => {
    try {
      const r = await nvr.sync.report({ runId: run?.runId, format });
      downloadText(r.filename, r.mime, r.content, r.encoding);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const toggle = (xaddr: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(xaddr)) n.delete(xaddr);
      else n.add(xaddr);
      return n;
    });

  return (
    <section className="sync" aria-label="Camera sync">
      <h2>Sync the new password to the cameras</h2>
      <p className="hint">
        The NVR's own sync reaches only cameras it added with its private protocol and reports nothing per camera. This pushes the new
        password to each ONVIF camera, checks it, and stops before any camera could lock the account.
      </p>
      {!running && (
        <>
          <fieldset>
            <legend>Cameras</legend>
            {devices.length === 0 && <p className="hint">No ONVIF devices in the inventory yet: type their addresses below.</p>}
            <div className="device-list">
              {devices.map((d) => (
                <label key={d.id} className="inline">
                  <input type="checkbox" checked={selected.has(d.xaddrs[0]!)} onChange={() => toggle(d.xaddrs[0]!)} data-testid="sync-device" />
                  {d.name ?? d.model ?? d.id} — {d.xaddrs[0]}
                </label>
              ))}
            </div>
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
                <input type="password" autoComplete="off" value={c} data-testid={`sync-current-${i}`}
                  onChange={(e) => setCandidates((list) => list.map((x, j) => (j === i ? e.target.value : x)))} />
              </label>
            ))}
            {candidates.length < MAX_CANDIDATES && (
              <button type="button" onClick={() => setCandidates((l) => [...l, ''])}>Add a guess</button>
            )}
            <p className="hint">Guesses are tried in order; each camera gets at most {run?.maxFailedAuthsPerDevice ?? 2} wrong ones per run.</p>
            {caseId && (
              <label className="inline">
                <input type="checkbox" checked={useCase} onChange={(e) => setUseCase(e.target.checked)} data-testid="sync-use-case" />
                Use the new password saved with reset case {caseId}
              </label>
            )}
            {!(useCase && caseId) && (
              <>
                <label>New password <input type="password" autoComplete="new-password" value={newPassword} onChange={(e) => setNewPassword(e.target.value)} data-testid="sync-new" /></label>
                <label>New password again <input type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} data-testid="sync-confirm" /></label>
              </>
            )}
          </fieldset>
          <div className="actions">
            <button type="button" className="primary" onClick={start} data-testid="sync-save">Save and sync</button>
            <button type="button" onClick={() => (caseId ? go('reset', { caseId }) : go('devices'))} data-testid="sync-skip">Cancel (do not sync)</button>
          </div>
        </>
      )}
      {error && <p role="alert" className="error">{error}</p>}
      {run && (
        <>
          <p className="summary" data-testid="sync-summary" data-running={String(running)}>
            Run {run.runId}: {done} of {run.rows.length} cameras finished{running ? '…' : '.'}
          </p>
          <div className="actions">
            {running && <button type="button" onClick={() => void nvr.sync.cancel({ runId: run.runId })} data-testid="sync-cancel">Stop sync</button>}
            {!running && failed.length > 0 && (
              <button type="button" onClick={retry} data-testid="sync-retry">Retry failed ({failed.length})</button>
            )}
            {!running && (
              <>
                <button type="button" onClick={() => void exportAs('csv')} data-testid="sync-export-csv">Export CSV</button>
                <button type="button" onClick={() => void exportAs('json')} data-testid="sync-export-json">Export JSON</button>
                <button type="button" onClick={() => void exportAs('html')} data-testid="sync-export-html">Printable report</button>
                {desktop && <button type="button" onClick={() => void exportAs('pdf')} data-testid="sync-export-pdf">Save PDF</button>}
              </>
            )}
          </div>
          {!running && failed.length > 0 && !run.hasSecrets && (
            <p className="hint">The app no longer holds this run's passwords: enter them above before retrying.</p>
          )}
          <SyncTable rows={run.rows as SyncRow[]} mainOffset={mainOffset} />
        </>
      )}
    </section>
  );
}
