import { useEffect, useRef, useState } from 'react';
import { AppError } from '../../../common/contract/define';
import type { InventoryDevice } from '../../../common/domain/device';
import { STEP_TITLES, STEPS, WARN_BEFORE_MS, type NvrRef, type ResetCase, type Step } from '../../../common/reset/case';
import { sameNvr } from '../../../common/reset/identity';
import { useWhyNot } from '../../src/WhyNot';
import { ErrorLine } from './ErrorLine';
import { CloseCase } from './CloseCase';
import { nvrDisplayName } from '../../../common/reset/label';
import { currentNvrRef, deviceLabel } from '../../src/labels';
import { useCases, useDevices } from '../../src/data';
import { caseStatus, formatRemaining } from '../../../common/reset/deadlines';
import { nvr } from '../../src/api';
import { useAction } from '../../src/use-action';
import { useMainNow } from './hooks';
import { useNav } from '../../src/nav';
import { EmailStep, ForgotStep, QrStep, SendStep, type StepProps } from './steps-early';
import { CodeStep, DoneStep, PasswordStep, SyncStep } from './steps-late';
import { Schematic } from './Schematic';
import './reset.css';

const SCREENS: Record<Step, (p: StepProps) => React.JSX.Element> = {
  forgot: ForgotStep,
  email: EmailStep,
  qr: QrStep,
  send: SendStep,
  code: CodeStep,
  password: PasswordStep,
  sync: SyncStep,
  done: DoneStep,
};

/** The reset wizard: open cases with their deadlines, and the 8 steps mirroring the NVR's screens. */
export function ResetView() {
  const now = useMainNow();
  const { data: list, error: loadError } = useCases();
  const [selected, setSelected] = useState<string>();
  // Another screen handing over a case ("Open the reset case" in Devices, Sync's "back to the case") chooses it.
  const asked = useNav().params['caseId'];
  useEffect(() => {
    if (asked && list?.cases.some((c) => c.id === asked)) setSelected(asked);
  }, [asked, list]);

  // Resume where the technician left off: the most recently touched open case.
  const firstOpen = list?.cases.find((c) => c.step !== 'done')?.id;
  useEffect(() => setSelected((s) => s ?? firstOpen), [firstOpen]);

  const current = list?.cases.find((c) => c.id === selected);
  return (
    <section aria-label="Password reset" className="reset">
      {loadError && (
        <p role="alert" className="banner error">
          {loadError.message}
        </p>
      )}
      {list?.storeProblems.map((p) => (
        <p key={p.at + p.message} role="alert" className="banner error">
          {p.message} {p.movedTo && <span className="reset-hint">Kept as {p.movedTo}</span>}
        </p>
      ))}
      {list && !list.keychain.available && (
        <div role="alert" className="banner warning keychain-banner" data-testid="keychain-unavailable">
          <p>
            The OS keychain is not available here, so a new password cannot be kept across a restart. You can still finish a case: the app
            keeps the password in memory until it closes (camera sync uses it) and asks you to write it down.
          </p>
          <details>
            <summary>Why</summary>
            <span className="reset-hint">{list.keychain.message}</span>
          </details>
        </div>
      )}
      <div className="reset-layout">
        <aside>
          <CaseList cases={list?.cases ?? []} now={now} selected={selected} onSelect={setSelected} />
          <NewCase openCases={(list?.cases ?? []).filter((c) => c.step !== 'done')} onCreated={(c) => setSelected(c.id)} />
        </aside>
        {current ? <Wizard c={current} now={now} /> : <p className="reset-hint">Open a case or start a new one.</p>}
      </div>
    </section>
  );
}

/** What a case row says about time, at every step: the next deadline, an overdue one, or that none runs yet. */
function deadlineText(c: ResetCase, now: number): { text: string; tone: 'calm' | 'near' | 'over' } {
  const s = caseStatus(c, now);
  if (c.step === 'done') return { text: c.outcome === 'abandoned' ? 'closed without a reset' : 'reset done', tone: 'calm' };
  if (s.codeExpired) return { text: 'security code expired — new QR code needed', tone: 'over' };
  if (s.deliveryOverdue) return { text: 'no reply from support within 24 h', tone: 'over' };
  const next = s.nextDeadline;
  if (next) return { text: `${next.what} in ${formatRemaining(next.at - now)}`, tone: next.at - now <= WARN_BEFORE_MS ? 'near' : 'calm' };
  if (!c.sentAt) return { text: 'no deadline yet (starts when the QR text is sent)', tone: 'calm' };
  return { text: 'no deadline running', tone: 'calm' };
}

function CaseList({ cases, now, selected, onSelect }: { cases: ResetCase[]; now: number; selected?: string; onSelect: (id: string) => void }) {
  const inventory = useDevices().data;
  const open = cases.filter((c) => c.step !== 'done');
  const closed = cases.filter((c) => c.step === 'done');
  const row = (c: ResetCase) => {
    const d = deadlineText(c, now);
    return (
      <li key={c.id} className={c.id === selected ? 'active' : undefined}>
        <button type="button" onClick={() => onSelect(c.id)} aria-current={c.id === selected ? 'true' : undefined} data-testid="case-row">
          <b>{nvrDisplayName(currentNvrRef(c.nvr, inventory))}</b>
          <span className="case-step">{STEP_TITLES[c.step]}</span>
          <span className={`case-deadline ${d.tone}`} data-testid="case-deadline">
            {d.tone === 'calm' ? '' : '⚠ '}
            {d.text}
          </span>
        </button>
      </li>
    );
  };
  return (
    <nav aria-label="Reset cases">
      <h2>Open cases</h2>
      {open.length === 0 ? <p className="reset-hint">None.</p> : <ul>{open.map(row)}</ul>}
      {closed.length > 0 && (
        <details>
          <summary>Closed cases ({closed.length})</summary>
          <ul>{closed.map(row)}</ul>
        </details>
      )}
    </nav>
  );
}

const TYPE_IT = '__typed__';

/** A case's reference to an inventory row: every identity it has, so the NVR is recognised again after a restart. */
function refOf(d: InventoryDevice): NvrRef {
  return { label: deviceLabel(d), deviceId: d.id, serial: d.serial, model: d.model, address: d.addresses[0], mac: d.mac, endpointUuid: d.endpointUuid };
}

/** Which NVR a new case is for: an inventory NVR (the only one preselected), or one typed by name or address. */
function useNvrChoice() {
  const devices = useDevices().data;
  const nvrs = [...(devices?.values() ?? [])].filter((x) => x.kind === 'nvr');
  const [pick, setPick] = useState<string>();
  const [label, setLabel] = useState('');
  // With one NVR on the site, it is the one: preselected. The technician can still type another.
  const chosen = pick ?? (nvrs.length === 1 ? nvrs[0]!.id : TYPE_IT);
  const device = nvrs.find((d) => d.id === chosen);
  const ref: NvrRef = device ? refOf(device) : { label: label.trim() };
  return { nvrs, chosen, setPick, device, label, setLabel, ref };
}

/** Main's answer to a new case; a duplicate refusal is a question, not an error: undefined, and the open case named. */
async function createCase(ref: NvrRef, anyway: boolean, onDuplicate: (openCaseId: string) => void): Promise<ResetCase | undefined> {
  return nvr.cases.create({ nvr: ref, ...(anyway ? { anyway: true } : {}) }).catch((e: unknown) => {
    const other = e instanceof AppError ? e.params?.duplicateCaseId : undefined;
    if (typeof other !== 'string') throw e;
    onDuplicate(other);
    return undefined;
  });
}

function NewCase({ openCases, onCreated }: { openCases: ResetCase[]; onCreated: (c: ResetCase) => void }) {
  const choice = useNvrChoice();
  const [run, error, busy] = useAction();
  // Main refuses a second open case for the same NVR (by serial, MAC, UUID, row or address) until asked twice.
  const duplicate = choice.ref.label ? openCases.find((c) => sameNvr(c.nvr, choice.ref)) : undefined;
  const [warned, setWarned] = useState<string>();
  const warning = duplicate && warned === duplicate.id ? duplicate : undefined;
  const why = useWhyNot(busy ? 'Starting…' : !choice.device && !choice.label.trim() ? 'Type the NVR’s name or address first.' : undefined);
  const start = () =>
    run(async () => {
      const c = await createCase(choice.ref, warning !== undefined, setWarned);
      if (!c) return;
      setWarned(undefined);
      choice.setLabel('');
      onCreated(c);
    });
  return (
    <form
      className="new-case"
      aria-labelledby="new-case-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (duplicate && !warning) return setWarned(duplicate.id);
        void start();
      }}
    >
      <h2 id="new-case-title">New reset case</h2>
      <NvrFields choice={choice} onEdit={() => setWarned(undefined)} />
      {warning && (
        <p role="alert" className="reset-warning" data-testid="duplicate-case">
          A case for this NVR is already open (at “{STEP_TITLES[warning.step]}”). Continue that one unless the NVR started over: a second
          request can use up the NVR’s codes.
        </p>
      )}
      <ErrorLine error={error} />
      <button type="submit" disabled={why.disabled} aria-describedby={why.describedBy}>
        {warning ? 'Start another case anyway' : 'Start a reset case'}
      </button>
      {why.note}
      {warning && (
        <button type="button" onClick={() => (setWarned(undefined), onCreated(warning))}>
          Keep the open case
        </button>
      )}
    </form>
  );
}

/** The NVR picker (the inventory's NVRs, or "another") and, for another, its name or address; an edit drops the duplicate warning. */
function NvrFields({ choice, onEdit }: { choice: ReturnType<typeof useNvrChoice>; onEdit(): void }) {
  return (
    <>
      {choice.nvrs.length > 0 && (
        <label>
          NVR from the inventory
          <select value={choice.chosen} onChange={(e) => (choice.setPick(e.target.value), onEdit())}>
            {choice.nvrs.map((d) => (
              <option key={d.id} value={d.id}>
                {deviceLabel(d)}
              </option>
            ))}
            <option value={TYPE_IT}>Another NVR (type its name or address)</option>
          </select>
        </label>
      )}
      {!choice.device && (
        <label>
          NVR name or address
          <input value={choice.label} onChange={(e) => (choice.setLabel(e.target.value), onEdit())} maxLength={200} />
        </label>
      )}
    </>
  );
}

/** A new step (or another case) moves focus to its heading, where keyboard and screen-reader users start — unless they are busy elsewhere. */
function useStepFocus(key: string) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const h = heading.current;
    const panel = h?.closest('[role="tabpanel"]');
    const active = document.activeElement;
    if (h && (active === document.body || active === null || panel?.contains(active))) h.focus();
  }, [key]);
  return heading;
}

function Wizard({ c, now }: { c: ResetCase; now: number }) {
  const inventory = useDevices().data;
  const [run, error] = useAction();
  const [rewind, setRewind] = useState<Step>();
  const Screen = SCREENS[c.step];
  const at = STEPS.indexOf(c.step);
  const heading = useStepFocus(`${c.id}:${c.step}`);
  return (
    <div className="wizard">
      <h2>{nvrDisplayName(currentNvrRef(c.nvr, inventory))}</h2>
      <ol className="stepper" aria-label="Wizard steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={s === c.step ? 'step' : undefined} className={i < at ? 'past' : s === c.step ? 'now' : undefined}>
            {i < at && c.step !== 'done' ? (
              <button type="button" onClick={() => setRewind(s)}>
                {i + 1}. {STEP_TITLES[s]}
              </button>
            ) : (
              <span>
                {i + 1}. {STEP_TITLES[s]}
              </span>
            )}
          </li>
        ))}
      </ol>
      {rewind && (
        <div role="alertdialog" aria-labelledby="rewind-q" className="confirm">
          <p id="rewind-q">
            Go back to “{STEP_TITLES[rewind]}”? The case continues from there; what the NVR already did is not undone.
          </p>
          <button type="button" className="primary" onClick={() => void run(() => nvr.cases.goto({ caseId: c.id, step: rewind })).then(() => setRewind(undefined))}>
            Go back
          </button>
          <button type="button" onClick={() => setRewind(undefined)}>
            Stay here
          </button>
        </div>
      )}
      <ErrorLine error={error} />
      <section data-testid="wizard-step" data-step={c.step} aria-label={`Wizard, step ${at + 1} of ${STEPS.length}`} className="step">
        <h3 id="step-heading" ref={heading} tabIndex={-1} data-focus-home="">
          Step {at + 1} of {STEPS.length}: {STEP_TITLES[c.step]}
        </h3>
        <div className="step-body">
          <div className="step-main">
            <Screen key={`${c.id}-${c.step}`} c={c} now={now} />
          </div>
          <Schematic step={c.step} />
        </div>
      </section>
      {c.step !== 'done' && <CloseCase c={c} />}
    </div>
  );
}
