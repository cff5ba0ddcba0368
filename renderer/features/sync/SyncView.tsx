import { useEffect, useMemo, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { budgetWarning } from '../../../common/sync/candidates';
import { nvrDisplayName } from '../../../common/reset/label';
import { toHtmlReport, type ReportFormat, type SyncRow } from '../../../common/sync/report';
import { isRetryable, rowBudget } from '../../../common/sync/retry';
import { nvr } from '../../src/api';
import { showRun, useAppInfo, useCases, useClockOffset, useDevices, useSiteLoop, useSyncRun } from '../../src/data';
import { currentNvrRef } from '../../src/labels';
import { go, useNav } from '../../src/nav';
import { useAction } from '../../src/use-action';
import { downloadText, openPrintView } from './download';
import { collectForm, EMPTY_FORM, type FormState } from './form-model';
import { SyncForm } from './SyncForm';
import { SyncResults } from './SyncResults';
import { SyncTable } from './SyncTable';
import { SiteLoop } from '../site/SiteLoop';
import './sync.css';

/** Camera sync: choose cameras, push the new password, watch each one, retry, export. */
export function SyncView() {
  const caseId = useNav().params.caseId;
  const data = useSyncData(caseId);
  const { run, mainOffset, theCase } = data;
  const [form, setForm] = useSyncForm(caseId);
  const [formOpen, setFormOpen] = useState(false);
  const running = run?.running ?? false;
  const focus = useFocusAfterActions(running);
  const rows = (run?.rows ?? []) as SyncRow[];
  const maxWrong = run?.maxFailedAuthsPerDevice ?? 2;
  // The same rule as main's (common/sync/retry.ts): locked cameras wait, used-up budgets wait, rule refusals want another password.
  const retryable = useMemo(() => rows.filter((r) => isRetryable(r, rowBudget(r), maxWrong, Date.now() + mainOffset, 'same')), [rows, maxWrong, mainOffset]);
  // After a run the results come first and the form folds away until asked for…
  // …except when a retry needs passwords the app no longer holds: then the form is where they go.
  const needsPasswords = !!run && !running && retryable.length > 0 && !run.hasSecrets;
  const showForm = !run || formOpen || needsPasswords;
  const collect = () => collectForm(form, data.cameras, caseId);
  const act = useSyncActions({ data, rows, form, setForm, collect, closeForm: () => setFormOpen(false), focusSummary: () => focus.to('summary') });

  return (
    <section className="sync" aria-label="Camera sync" ref={focus.sectionRef}>
      <h2>Sync the new password to the cameras</h2>
      <p className="hint">
        The NVR's own sync reaches only cameras it added with its private protocol and reports nothing per camera. This pushes the new
        password to each ONVIF camera, checks it, and stops before any camera could lock the account.
      </p>
      {act.error && <p role="alert" className="error">{act.error}</p>}
      {run && (
        <SyncResults run={run} rows={rows} byXaddr={data.byXaddr} desktop={data.desktop} retryable={retryable} needsPasswords={needsPasswords} saved={act.saved}
          summaryRef={focus.summaryRef} onCancel={() => void nvr.sync.cancel({ runId: run.runId }).then(() => focus.to('summary'))} onRetry={act.retry} onExport={act.exportAs}
          table={<SyncTable rows={rows} devices={data.byXaddr} mainOffset={mainOffset} />} />
      )}
      {showForm ? (
        <SyncForm form={form} setForm={setForm} cameras={data.cameras} maxWrong={maxWrong} budgetNote={budgetWarning(form.candidates.filter(Boolean).length, maxWrong)} caseId={caseId}
          caseLabel={theCase ? nvrDisplayName(currentNvrRef(theCase.nvr, data.inventory)) : undefined} caseInMemory={theCase?.passwordKept === 'session-memory'}
          onStart={act.start} firstRef={focus.formRef} onSkip={() => (caseId ? go('reset', { caseId }) : go('devices'))} />
      ) : (
        !running && (
          <button type="button" onClick={() => (setFormOpen(true), focus.to('form'))} data-testid="sync-new-run" aria-expanded="false">
            Start another sync…
          </button>
        )
      )}
      <SiteLoop source={{ collect }} devices={data.inventory ?? new Map()} caseId={caseId} nvrHost={theCase?.nvr.address} />
    </section>
  );
}

/** The form's state, kept across tab switches; "use the case's password" follows the case this screen was opened for. */
function useSyncForm(caseId: string | undefined): [FormState, Dispatch<SetStateAction<FormState>>] {
  const [form, setForm] = useState<FormState>({ ...EMPTY_FORM, useCase: Boolean(caseId) });
  useEffect(() => setForm((f) => ({ ...f, useCase: Boolean(caseId) })), [caseId]);
  return [form, setForm];
}

interface ActionDeps {
  data: ReturnType<typeof useSyncData>;
  rows: SyncRow[];
  form: FormState;
  setForm: Dispatch<SetStateAction<FormState>>;
  collect: () => ReturnType<typeof collectForm>;
  closeForm(): void;
  /** After a start or a retry: their buttons go away, focus goes to the results' summary. */
  focusSummary(): void;
}

/** Start a run, retry its failed cameras, export its report: one error line for all three, and where the report went. */
function useSyncActions({ data, rows, form, setForm, collect, closeForm, focusSummary }: ActionDeps) {
  const [run, error] = useAction();
  const [saved, setSaved] = useState<string>();
  const runId = data.run?.runId;
  const start = () => {
    setSaved(undefined);
    void run(async () => {
      const what = collect();
      if (typeof what === 'string') throw new Error(what);
      const started = await nvr.sync.start({ targets: what.targets, ...what.secrets });
      // Main holds the passwords for "retry failed"; the form need not.
      setForm((f) => ({ ...f, candidates: [''], newPassword: '', confirm: '' }));
      closeForm();
      showRun(await nvr.sync.status({ runId: started.runId }));
      focusSummary();
    });
  };
  const retry = (newPassword?: string) =>
    run(async () => {
      const current = form.candidates.filter(Boolean);
      const typedNew = form.newPassword && form.newPassword === form.confirm ? form.newPassword : undefined;
      const pw = newPassword ?? typedNew;
      await nvr.sync.retryFailed({ runId, ...(current.length ? { currentPasswords: current } : {}), ...(pw ? { newPassword: pw } : {}) });
      showRun(await nvr.sync.status({ runId }));
      focusSummary();
    });
  const exportAs = (format: ReportFormat) => {
    setSaved(undefined);
    void run(async () => {
      const site = data.site;
      const channels = site?.syncRunId === runId && !site?.running ? site?.results : undefined;
      setSaved(await exportRun(format, data, rows, Date.now() + data.mainOffset, channels));
    });
  };
  return { error, saved, start, retry, exportAs };
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

type Run = NonNullable<ReturnType<typeof useSyncRun>['data']>;
type SyncData = ReturnType<typeof useSyncData>;
type Channels = Parameters<typeof toHtmlReport>[1]['channels'];

/** Saves or opens the report; says where it went. */
async function exportRun(format: ReportFormat, data: SyncData, rows: SyncRow[], now: number, channels: Channels): Promise<string> {
  if (format === 'html' && data.run) {
    openPrintView(printable(data.run, rows, data, now, channels));
    return 'The printable report opened in a new window with the print dialog.';
  }
  const r = await nvr.sync.report({ runId: data.run?.runId, format });
  downloadText(r.filename, r.mime, r.content, r.encoding);
  return `Saved as ${r.filename} in your downloads folder.`;
}

/** The printable report, built here where the names (inventory) and the case are known; main's rows carry neither. */
function printable(run: Run, rows: SyncRow[], { byXaddr, theCase, inventory }: SyncData, generatedAt: number, channels: Channels): string {
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
