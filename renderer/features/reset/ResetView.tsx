import { useEffect, useState } from 'react';
import type { InventoryDevice } from '../../../common/domain/device';
import { STEP_TITLES, STEPS, type ResetCase, type Step } from '../../../common/reset/case';
import { caseStatus, formatRemaining } from '../../../common/reset/deadlines';
import { nvr } from '../../src/api';
import { useAction, useMainNow } from './hooks';
import { EmailStep, ForgotStep, QrStep, SendStep, type StepProps } from './steps-early';
import { CodeStep, DoneStep, PasswordStep, SyncStep } from './steps-late';
import './reset.css';

type ListState = Awaited<ReturnType<typeof nvr.cases.list>>;

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
  const [list, setList] = useState<ListState>();
  const [selected, setSelected] = useState<string>();
  const [loadError, setLoadError] = useState<string>();

  useEffect(() => {
    let alive = true;
    // Changes that arrive while the list is loading must not be lost (the list may be older than them).
    const early: ResetCase[] = [];
    const merge = (cases: ResetCase[], c: ResetCase) => {
      const old = cases.find((x) => x.id === c.id);
      return old && old.updatedAt > c.updatedAt ? cases : [c, ...cases.filter((x) => x.id !== c.id)];
    };
    const off = nvr.on('cases.changed', ({ case: c }) =>
      setList((l) => (l ? { ...l, cases: merge(l.cases, c) } : (early.push(c), l))),
    );
    nvr.cases.list().then(
      (l) => {
        if (!alive) return;
        setList({ ...l, cases: early.reduce(merge, l.cases) });
        // Resume where the technician left off: the most recently touched open case.
        setSelected((s) => s ?? l.cases.find((c) => c.step !== 'done')?.id);
      },
      (e: Error) => setLoadError(e.message),
    );
    return () => {
      alive = false;
      off();
    };
  }, []);

  const current = list?.cases.find((c) => c.id === selected);
  return (
    <section aria-label="Password reset" className="reset">
      {loadError && (
        <p role="alert" className="banner error">
          {loadError}
        </p>
      )}
      {list?.storeProblems.map((p) => (
        <p key={p.at + p.message} role="alert" className="banner error">
          {p.message} {p.movedTo && <span className="reset-hint">Kept as {p.movedTo}</span>}
        </p>
      ))}
      {list && !list.keychain.available && (
        <p role="alert" className="banner warning">
          {list.keychain.message}
        </p>
      )}
      <div className="reset-layout">
        <aside>
          <CaseList cases={list?.cases ?? []} now={now} selected={selected} onSelect={setSelected} />
          <NewCase onCreated={(c) => setSelected(c.id)} />
        </aside>
        {current ? <Wizard c={current} now={now} /> : <p className="reset-hint">Open a case or start a new one.</p>}
      </div>
    </section>
  );
}

function CaseList({ cases, now, selected, onSelect }: { cases: ResetCase[]; now: number; selected?: string; onSelect: (id: string) => void }) {
  const open = cases.filter((c) => c.step !== 'done');
  const closed = cases.filter((c) => c.step === 'done');
  const row = (c: ResetCase) => {
    const next = caseStatus(c, now).nextDeadline;
    return (
      <li key={c.id} className={c.id === selected ? 'active' : undefined}>
        <button type="button" onClick={() => onSelect(c.id)} aria-current={c.id === selected ? 'true' : undefined}>
          <b>{c.nvr.label}</b> — {STEP_TITLES[c.step]}
          {next && (
            <span className="reset-hint">
              {' '}
              · {next.what} in {formatRemaining(next.at - now)}
            </span>
          )}
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

function NewCase({ onCreated }: { onCreated: (c: ResetCase) => void }) {
  const [nvrs, setNvrs] = useState<InventoryDevice[]>([]);
  const [pick, setPick] = useState('');
  const [label, setLabel] = useState('');
  const [run, error, busy] = useAction();
  useEffect(() => {
    nvr.devices.list().then((d) => setNvrs(d.filter((x) => x.kind === 'nvr')), () => undefined);
  }, []);
  const device = nvrs.find((d) => d.id === pick);
  return (
    <form
      className="new-case"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const ref = device
            ? { label: device.name ?? device.model ?? device.addresses[0] ?? 'NVR', deviceId: device.id, serial: device.serial, model: device.model, address: device.addresses[0] }
            : { label: label.trim() };
          const c = await nvr.cases.create({ nvr: ref });
          setLabel('');
          onCreated(c);
        });
      }}
    >
      <h2>New reset case</h2>
      {nvrs.length > 0 && (
        <label>
          NVR from the inventory
          <select value={pick} onChange={(e) => setPick(e.target.value)}>
            <option value="">— type it in below —</option>
            {nvrs.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name ?? d.model ?? d.id} {d.addresses[0] ?? ''} {d.serial ? `S/N ${d.serial}` : ''}
              </option>
            ))}
          </select>
        </label>
      )}
      {!device && (
        <label>
          NVR name or address
          <input value={label} onChange={(e) => setLabel(e.target.value)} maxLength={200} />
        </label>
      )}
      {error && (
        <p role="alert" className="reset-error">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy || (!device && !label.trim())}>
        Start a reset case
      </button>
    </form>
  );
}

function Wizard({ c, now }: { c: ResetCase; now: number }) {
  const [run, error] = useAction();
  const Screen = SCREENS[c.step];
  const at = STEPS.indexOf(c.step);
  return (
    <div className="wizard">
      <h2>
        {c.nvr.label}
        {c.nvr.serial && <span className="reset-hint"> S/N {c.nvr.serial}</span>}
      </h2>
      <ol className="stepper" aria-label="Wizard steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={s === c.step ? 'step' : undefined} className={i < at ? 'past' : s === c.step ? 'now' : undefined}>
            {i < at && c.step !== 'done' ? (
              <button type="button" onClick={() => run(() => nvr.cases.goto({ caseId: c.id, step: s }))}>
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
      {error && (
        <p role="alert" className="reset-error">
          {error}
        </p>
      )}
      <section data-testid="wizard-step" data-step={c.step} aria-label={`Wizard, step ${at + 1} of ${STEPS.length}`} className="step">
        <h3>{STEP_TITLES[c.step]}</h3>
        <Screen key={`${c.id}-${c.step}`} c={c} now={now} />
      </section>
      {c.step !== 'done' && (
        <button type="button" className="link" onClick={() => run(() => nvr.cases.abandon({ caseId: c.id }))}>
          Close this case without a reset
        </button>
      )}
    </div>
  );
}
