import { useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import type { InventoryDevice } from '../../../common/domain/device';
import { initPasswordProblem } from '../../../common/init/rules';
import type { ResetCase } from '../../../common/reset/case';
import { nvrDisplayName } from '../../../common/reset/label';
import { nvr } from '../../src/api';
import { showInitRun, useCases, useDevices, useNvrChannels } from '../../src/data';
import { currentNvrRef, deviceLabel } from '../../src/labels';
import { PASSWORD_RULE_HINT } from '../../src/password-rule';
import { useAction } from '../../src/use-action';
import { InitNvr } from './InitNvr';
import { casesWithPassword, draftProblem, nvrLinesFor, nvrProblem, type Draft, type NvrLine } from './model';

/**
 * "Initialise…": the chosen factory-fresh devices get the site's admin password
 * (the reset case's, or typed) and the reset e-mail (the case's registered one
 * by default). The password rule is checked here before anything is sent; main
 * checks it again. A non-modal dialog: its heading takes focus, Escape closes it.
 */
export function InitPanel({ devices, onClose, onStarted }: { devices: InventoryDevice[]; onClose(): void; onStarted(): void }) {
  const cases = casesWithPassword(useCases().data?.cases ?? []);
  const [draft, setDraft] = useState<Draft>(() => ({ source: cases[0] ? 'case' : 'typed', caseId: cases[0]?.id, password: '', confirm: '', email: cases[0]?.email ?? '' }));
  const [emailTouched, setEmailTouched] = useState(false);
  const [withoutNvr, setWithoutNvr] = useState(false);
  const nvrLines = nvrLinesFor(devices, useNvrChannels().data);
  const heading = useRef<HTMLHeadingElement>(null);
  const fields = { password: useRef<HTMLInputElement>(null), confirm: useRef<HTMLInputElement>(null), email: useRef<HTMLInputElement>(null), case: useRef<HTMLSelectElement>(null), nvr: useRef<HTMLInputElement>(null) };
  const theCase = cases.find((c) => c.id === draft.caseId);
  const start = useStart(devices, draft, { lines: nvrLines, withoutNvr }, fields, () => (setDraft((d) => ({ ...d, password: '', confirm: '' })), onStarted()));

  useEffect(() => {
    heading.current?.scrollIntoView({ block: 'nearest' });
    heading.current?.focus({ preventScroll: true });
  }, []);
  // The case's registered e-mail follows the case chosen, until the technician types one.
  useEffect(() => {
    if (!emailTouched && draft.source === 'case') setDraft((d) => ({ ...d, email: theCase?.email ?? '' }));
  }, [theCase?.email, draft.source, emailTouched]);
  const set = (patch: Partial<Draft>) => (setDraft((d) => ({ ...d, ...patch })), start.clearError());

  return (
    <section role="dialog" aria-labelledby="init-title" aria-describedby="init-what" className="init-panel" data-testid="init-panel" onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), onClose())}>
      <h2 id="init-title" ref={heading} tabIndex={-1} data-focus-home="">
        Initialise {devices.length === 1 ? 'one new device' : `${devices.length} new devices`}
      </h2>
      <p id="init-what" className="hint">
        Each device gets the admin password and the reset e-mail below, as its own web wizard would set them; then the app signs in once
        with the new password to prove it. Nothing is sent before you press Start.
      </p>
      <DeviceNames devices={devices} />
      <form onSubmit={(e) => void start.submit(e)} noValidate>
        <PasswordChoice draft={draft} cases={cases} set={set} fields={fields} />
        <EmailField email={draft.email} caseEmail={draft.source === 'case' ? theCase?.email : undefined} input={fields.email} onChange={(email) => (setEmailTouched(true), set({ email }))} />
        <InitNvr lines={nvrLines} withoutNvr={withoutNvr} onWithoutNvr={(v) => (setWithoutNvr(v), start.clearError())} input={fields.nvr} />
        {start.error && (
          <p role="alert" className="bad" data-testid="init-error">
            {start.error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={start.busy} data-testid="init-start">
            {start.busy ? 'Starting…' : 'Start'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}

type Fields = { [K in 'password' | 'confirm' | 'email' | 'case' | 'nvr']: RefObject<HTMLInputElement | HTMLSelectElement | null> };

/** Start: the draft checked first (focus to the field at fault), then the NVR's part, then init.start; the run goes into the data layer. */
function useStart(devices: InventoryDevice[], draft: Draft, nvrState: { lines: NvrLine[] | null; withoutNvr: boolean }, fields: Fields, onStarted: () => void) {
  const [run, error, busy, setError] = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const problem = draftProblem(draft) ?? nvrProblem(nvrState.lines, nvrState.withoutNvr);
    if (problem) return (setError(problem.text), fields[problem.field].current?.focus());
    await run(async () => {
      const { runId } = await nvr.init.start({
        targets: devices.map((d) => ({ deviceId: d.id })),
        ...(draft.source === 'case' ? { caseId: draft.caseId! } : { newPassword: draft.password }),
        email: draft.email.trim(),
        ...(nvrState.withoutNvr ? { withoutNvr: true } : {}),
      });
      showInitRun(await nvr.init.status({ runId }));
      onStarted();
    });
  };
  return { submit, error, busy, clearError: () => setError(undefined) };
}

/** The reset e-mail (the case's registered one by default), and what giving it, or none, means. */
function EmailField({ email, caseEmail, input, onChange }: { email: string; caseEmail?: string; input: RefObject<HTMLInputElement | null>; onChange(v: string): void }) {
  const note =
    email.trim() === ''
      ? 'No e-mail: a forgotten password on these devices will then need a factory reset on site.'
      : caseEmail && email.trim() === caseEmail
        ? 'The e-mail registered on the reset case’s NVR.'
        : 'The devices will send their reset codes to this address.';
  return (
    <>
      <label className="init-email">
        Reset e-mail (where a forgotten-password code goes)
        <input ref={input} type="email" value={email} onChange={(e) => onChange(e.target.value)} autoComplete="off" maxLength={254} data-testid="init-email" />
      </label>
      <p className="hint" data-testid="init-email-note">
        {note}
      </p>
    </>
  );
}

function DeviceNames({ devices }: { devices: InventoryDevice[] }) {
  return (
    <ul className="init-targets" aria-label="Devices to initialise">
      {devices.map((d) => (
        <li key={d.id}>{deviceLabel(d)}</li>
      ))}
    </ul>
  );
}

/** The password: the reset case's (its keychain entry; main reads it) or typed twice, with the rule's verdict as it is typed. */
function PasswordChoice({ draft, cases, set, fields }: {
  draft: Draft;
  cases: ResetCase[];
  set(p: Partial<Draft>): void;
  fields: { password: RefObject<HTMLInputElement | null>; confirm: RefObject<HTMLInputElement | null>; case: RefObject<HTMLSelectElement | null> };
}) {
  const inventory = useDevices().data;
  const name = (c: ResetCase) => nvrDisplayName(currentNvrRef(c.nvr, inventory));
  const rule = draft.password ? (initPasswordProblem(draft.password) ?? 'The devices take this password.') : undefined;
  return (
    <fieldset>
      <legend>Admin password</legend>
      {cases.length === 0 ? (
        <p className="hint">No reset case holds a new password yet: type the site’s password.</p>
      ) : (
        <label className="inline">
          <input type="radio" name="init-source" checked={draft.source === 'case'} onChange={() => set({ source: 'case' })} data-testid="init-use-case" />
          Use the case’s new password{cases.length === 1 ? ` (${name(cases[0]!)})` : ''}
        </label>
      )}
      {cases.length > 1 && draft.source === 'case' && (
        <label>
          Reset case{' '}
          <select ref={fields.case} value={draft.caseId} onChange={(e) => set({ caseId: e.target.value })}>
            {cases.map((c) => (
              <option key={c.id} value={c.id}>
                {name(c)}
              </option>
            ))}
          </select>
        </label>
      )}
      {cases.length > 0 && (
        <label className="inline">
          <input type="radio" name="init-source" checked={draft.source === 'typed'} onChange={() => set({ source: 'typed' })} data-testid="init-use-typed" />
          Type a password
        </label>
      )}
      {draft.source === 'typed' && (
        <div className="init-typed">
          <label>
            New admin password
            <input ref={fields.password} type="password" data-secret autoComplete="new-password" spellCheck={false} value={draft.password} onChange={(e) => set({ password: e.target.value })} aria-describedby="init-rule" data-testid="init-password" />
          </label>
          <label>
            The same password again
            <input ref={fields.confirm} type="password" data-secret autoComplete="new-password" spellCheck={false} value={draft.confirm} onChange={(e) => set({ confirm: e.target.value })} data-testid="init-confirm" />
          </label>
          <p id="init-rule" className={rule && rule !== 'The devices take this password.' ? 'bad' : 'hint'} data-testid="init-rule" aria-live="polite">
            {rule ?? PASSWORD_RULE_HINT}
          </p>
        </div>
      )}
    </fieldset>
  );
}
