import { useEffect, useMemo, useRef, useState } from 'react';
import { budgetWarning } from '../../../common/sync/candidates';
import type { InventoryDevice } from '../../../common/domain/device';
import { nvrDisplayName } from '../../../common/reset/label';
import { passwordRuleProblem } from '../../../common/reset/password';
import { toHtmlReport, type ReportFormat, type SyncRow } from '../../../common/sync/report';
import { isRetryable, rowBudget } from '../../../common/sync/retry';
import { nvr } from '../../src/api';
import { showRun, useAppInfo, useCases, useClockOffset, useDevices, useSiteLoop, useSyncRun } from '../../src/data';
import { explain } from '../../src/errors';
import { currentNvrRef } from '../../src/labels';
import { go, useNav } from '../../src/nav';
import { downloadText, openPrintView } from './download';
import { SyncForm, type FormState } from './SyncForm';
import { SyncResults } from './SyncResults';
import { SyncTable } from './SyncTable';
import { SiteLoop } from '../site/SiteLoop';
import './sync.css';

const EMPTY_FORM: FormState = { unchecked: new Set(), manual: '', username: 'admin', candidates: [''], newPassword: '', confirm: '', useCase: false };

/** Camera sync: choose cameras, push the new password, watch each one, retry, export. */
export function SyncView() {
  const { params } = useNav();
  const caseId = params.caseId;
  const { desktop, inventory, theCase, cameras, byXaddr, run, mainOffset, site } = useSyncData(caseId);
  const [form, setForm] = useState<FormState>({ ...EMPTY_FORM, useCase: Boolean(caseId) });
  useEffect(() => setForm((f) => ({ ...f, useCase: Boolean(caseId) })), [caseId]);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const [formOpen, setFormOpen] = useState(false);
  const focus = useFocusAfterActions(run?.running ?? false);

  const running = run?.running ?? false;
  const rows = (run?.rows ?? []) as SyncRow[];
  const maxWrong = run?.maxFailedAuthsPerDevice ?? 2;
  // The same rule as main's (common/sync/retry.ts): locked cameras wait, used-up budgets wait, rule refusals want another password.
  const retryable = useMemo(() => rows.filter((r) => isRetryable(r, rowBudget(r), maxWrong, Date.now() + mainOffset, 'same')), [rows, maxWrong, mainOffset]);
  // Said before the run starts, as the CLI does: which guesses a camera may never get to.
  const budgetNote = budgetWarning(form.candidates.filter(Boolean).length, maxWrong);
  // After a run the results come first and the form folds away until asked for…
  // …except when a retry needs passwords the app no longer holds: then the form is where they go.
  const needsPasswords = !!run && !running && retryable.length > 0 && !run.hasSecrets;
  const showForm = !run || formOpen || needsPasswords;

  const collect = () => collectForm(form, cameras, caseId);

  const start = async () => {
    setError(undefined);
    setSaved(undefined);
    const what = collect();
    if (typeof what === 'string') return setError(what);
    try {
      const { runId } = await nvr.sync.start({ targets: what.targets, ...what.secrets });
      // Main holds the passwords for "retry failed"; the form need not.
      setForm((f) => ({ ...f, candidates: [''], newPassword: '', confirm: '' }));
      setFormOpen(false);
      showRun(await nvr.sync.status({ runId }));
      focus.to('summary');
    } catch (e) {
      setError(explain(e));
    }
  };

  const retry = async (newPassword?: string): Promise<boolean> => {
    setError(undefined);
    try {
      const current = form.candidates.filter(Boolean);
      const typedNew = form.newPassword && form.newPassword === form.confirm ? form.newPassword : undefined;
      const pw = newPassword ?? typedNew;
      await nvr.sync.retryFailed({ runId: run?.runId, ...(current.length ? { currentPasswords: current } : {}), ...(pw ? { newPassword: pw } : {}) });
      showRun(await nvr.sync.status({ runId: run?.runId }));
      focus.to('summary');
      return true;
    } catch (e) {
      setError(explain(e));
      return false;
    }
  };

  const exportAs = async (format: ReportFormat) => {
    setSaved(undefined);
    try {
      const channels = site?.syncRunId === run?.runId && !site?.running ? site?.results : undefined;
      setSaved(await exportRun(format, run, rows, byXaddr, theCase, inventory, Date.now() + mainOffset, channels));
    } catch (e) {
      setError(explain(e));
    }
  };

  const caseLabel = theCase ? nvrDisplayName(currentNvrRef(theCase.nvr, inventory)) : undefined;
  return (
    <section className="sync" aria-label="Camera sync" ref={focus.sectionRef}>
      <h2>Sync the new password to the cameras</h2>
      <p className="hint">
        The NVR's own sync reaches only cameras it added with its private protocol and reports nothing per camera. This pushes the new
        password to each ONVIF camera, checks it, and stops before any camera could lock the account.
      </p>
      {error && <p role="alert" className="error">{error}</p>}
      {run && (
        <SyncResults run={run} rows={rows} byXaddr={byXaddr} desktop={desktop} retryable={retryable} needsPasswords={needsPasswords} saved={saved}
          summaryRef={focus.summaryRef} onCancel={() => void nvr.sync.cancel({ runId: run.runId }).then(() => focus.to('summary'))} onRetry={retry} onExport={(f) => void exportAs(f)}
          table={<SyncTable rows={rows} devices={byXaddr} mainOffset={mainOffset} />} />
      )}
      {showForm ? (
        <SyncForm form={form} setForm={setForm} cameras={cameras} maxWrong={maxWrong} budgetNote={budgetNote} caseId={caseId} caseLabel={caseLabel}
          caseInMemory={theCase?.passwordKept === 'session-memory'} onStart={() => void start()} firstRef={focus.formRef}
          onSkip={() => (caseId ? go('reset', { caseId }) : go('devices'))} />
      ) : (
        !running && (
          <button type="button" onClick={() => (setFormOpen(true), focus.to('form'))} data-testid="sync-new-run" aria-expanded="false">
            Start another sync…
          </button>
        )
      )}
      <SiteLoop source={{ collect }} devices={inventory ?? new Map()} caseId={caseId} nvrHost={theCase?.nvr.address} />
    </section>
  );
}

/** What the screen reads from the data layer: the inventory's cameras, the case, the run, the board. */
function useSyncData(caseId: string | undefined) {
  const desktop = useAppInfo().data?.host === 'electron';
  const inventory = useDevices().data;
  const cases = useCases().data?.cases;
  // The case this sync belongs to: the one the wizard handed over, else the latest reset done.
  const theCase = cases?.find((c) => c.id === caseId) ?? cases?.find((c) => c.outcome === 'reset');
  // The NVR's own password was reset on its screen: it is never one of the cameras here.
  const cameras = useMemo(() => [...(inventory?.values() ?? [])].filter((d) => d.xaddrs.length > 0 && d.kind !== 'nvr'), [inventory]);
  const byXaddr = useMemo(() => new Map([...(inventory?.values() ?? [])].flatMap((d) => d.xaddrs.map((x) => [x, d] as const))), [inventory]);
  return { desktop, inventory, theCase, cameras, byXaddr, run: useSyncRun().data ?? null, mainOffset: useClockOffset(), site: useSiteLoop().data ?? null };
}

/**
 * Where focus goes after an action whose button goes away ("Save and sync", "Start another sync", a retry, a
 * run that ends under "Stop sync"): the results' summary or the form's first control — never the page body.
 */
function useFocusAfterActions(running: boolean) {
  const sectionRef = useRef<HTMLElement>(null);
  const summaryRef = useRef<HTMLDivElement>(null);
  const formRef = useRef<HTMLButtonElement | HTMLTextAreaElement>(null);
  const [want, setWant] = useState<{ to: 'summary' | 'form'; n: number }>();
  useEffect(() => {
    if (!want) return;
    (want.to === 'summary' ? summaryRef.current : formRef.current)?.focus();
  }, [want]);
  useEffect(() => {
    // A run that ended took its "Stop sync" button away: if focus fell to the body while this screen shows, bring it back.
    const shown = sectionRef.current?.checkVisibility?.() ?? true;
    if (shown && document.activeElement === document.body) summaryRef.current?.focus();
  }, [running]);
  return { sectionRef, summaryRef, formRef, to: (to: 'summary' | 'form') => setWant((w) => ({ to, n: (w?.n ?? 0) + 1 })) };
}

/** The form's cameras and passwords, or what is missing (checked here, by the app's rules, so nothing is sent that main would refuse). */
function collectForm(form: FormState, cameras: InventoryDevice[], caseId: string | undefined) {
  const chosen = cameras.filter((d) => !form.unchecked.has(d.xaddrs[0]!)).map((d) => ({ xaddr: d.xaddrs[0]!, username: form.username, deviceId: d.id }));
  const typed = form.manual.split(/\s+/).filter(Boolean).map((xaddr) => ({ xaddr, username: form.username }));
  const targets = [...chosen, ...typed];
  const current = form.candidates.filter(Boolean);
  const viaCase = form.useCase && caseId !== undefined;
  if (!targets.length) return 'Choose at least one camera or type its ONVIF address.';
  const bad = targets.find((x) => !/^https?:\/\/[^\s/]+/.test(x.xaddr));
  if (bad) return `"${bad.xaddr}" is not a device address like http://192.168.1.108/onvif/device_service.`;
  if (!current.length) return 'Enter the password the cameras have now (up to five guesses, tried in order).';
  if (!viaCase) {
    const rule = passwordRuleProblem(form.newPassword);
    if (rule) return rule;
    if (form.newPassword !== form.confirm) return 'Enter the new password twice, the same both times.';
  }
  return { targets, secrets: { currentPasswords: current, ...(viaCase ? { caseId } : { newPassword: form.newPassword }) } };
}

type Run = NonNullable<ReturnType<typeof useSyncRun>['data']>;
type Case = NonNullable<ReturnType<typeof useCases>['data']>['cases'][number];

/** Saves or opens the report; says where it went. */
async function exportRun(format: ReportFormat, run: Run | null, rows: SyncRow[], byXaddr: Map<string, InventoryDevice>, theCase: Case | undefined, inventory: Map<string, InventoryDevice> | undefined, now: number, channels: Parameters<typeof toHtmlReport>[1]['channels']): Promise<string> {
  if (format === 'html' && run) {
    openPrintView(printable(run, rows, byXaddr, theCase, inventory, now, channels));
    return 'The printable report opened in a new window with the print dialog.';
  }
  const r = await nvr.sync.report({ runId: run?.runId, format });
  downloadText(r.filename, r.mime, r.content, r.encoding);
  return `Saved as ${r.filename} in your downloads folder.`;
}

/** The printable report, built here where the names (inventory) and the case are known; main's rows carry neither. */
function printable(
  run: Run,
  rows: SyncRow[],
  byXaddr: Map<string, InventoryDevice>,
  theCase: Case | undefined,
  inventory: Map<string, InventoryDevice> | undefined,
  generatedAt: number,
  channels: Parameters<typeof toHtmlReport>[1]['channels'],
): string {
  const devices = Object.fromEntries([...byXaddr].map(([x, d]) => [x, { name: d.name, model: d.model, serial: d.serial, mac: d.mac }]));
  return toHtmlReport(rows, {
    runId: run.runId,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    site: theCase && theCase.nvr.label !== theCase.nvr.model ? theCase.nvr.label : undefined,
    nvr: theCase ? currentNvrRef(theCase.nvr, inventory) : undefined,
    caseName: theCase ? nvrDisplayName(currentNvrRef(theCase.nvr, inventory)) : undefined,
    generatedAt,
    devices,
    ...(channels ? { channels } : {}),
  });
}
