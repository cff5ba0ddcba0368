import type { Dispatch, RefObject, SetStateAction } from 'react';
import type { InventoryDevice } from '../../../common/domain/device';
import { passwordRuleProblem } from '../../../common/reset/password';
import { PASSWORD_RULE_HINT } from '../../src/password-rule';
import type { FormState } from './form-model';

const MAX_CANDIDATES = 5;

export interface SyncFormProps {
  form: FormState;
  setForm: Dispatch<SetStateAction<FormState>>;
  cameras: InventoryDevice[];
  maxWrong: number;
  budgetNote: string | undefined;
  caseId: string | undefined;
  caseLabel: string | undefined;
  caseInMemory: boolean;
  onStart(): void;
  onSkip(): void;
  /** The form's first control: where focus goes when the form opens. */
  firstRef: RefObject<HTMLButtonElement | HTMLTextAreaElement | null>;
}

/** The new run's cameras and passwords; the password rule is said while typing, by the app's one rule. */
export function SyncForm(p: SyncFormProps) {
  const { form, setForm, cameras } = p;
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setForm((f) => ({ ...f, [k]: v }));
  const chosen = cameras.filter((d) => !form.unchecked.has(d.xaddrs[0]!)).length;
  const toggle = (xaddr: string) => {
    const n = new Set(form.unchecked);
    if (n.has(xaddr)) n.delete(xaddr);
    else n.add(xaddr);
    set('unchecked', n);
  };
  return (
    <>
      <fieldset>
        <legend>
          Cameras <span className="hint" data-testid="sync-count">({chosen} of {cameras.length} chosen)</span>
        </legend>
        {cameras.length === 0 ? (
          <p className="hint">No ONVIF cameras in the inventory yet: type their addresses below.</p>
        ) : (
          <div className="actions">
            <button type="button" ref={p.firstRef as RefObject<HTMLButtonElement>} onClick={() => set('unchecked', new Set())} data-testid="sync-all">Select all</button>
            <button type="button" onClick={() => set('unchecked', new Set(cameras.map((d) => d.xaddrs[0]!)))} data-testid="sync-none">Select none</button>
          </div>
        )}
        <ul className="device-list">
          {cameras.map((d) => (
            <li key={d.id}>
              <label title={d.xaddrs[0]}>
                <input type="checkbox" checked={!form.unchecked.has(d.xaddrs[0]!)} onChange={() => toggle(d.xaddrs[0]!)} data-testid="sync-device" />
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
          <textarea rows={3} value={form.manual} onChange={(e) => set('manual', e.target.value)} data-testid="sync-manual" placeholder="http://192.168.1.108/onvif/device_service"
            ref={cameras.length === 0 ? (p.firstRef as RefObject<HTMLTextAreaElement>) : undefined} />
        </label>
        <label className="inline">
          User name on the cameras <input value={form.username} onChange={(e) => set('username', e.target.value)} data-testid="sync-username" />
        </label>
      </fieldset>
      <Passwords {...p} />
      <div className="actions">
        <button type="button" className="primary" onClick={p.onStart} data-testid="sync-save">Save and sync</button>
        <button type="button" onClick={p.onSkip} data-testid="sync-skip">Cancel (do not sync)</button>
      </div>
    </>
  );
}

function Passwords(p: SyncFormProps) {
  const { form, setForm } = p;
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setForm((f) => ({ ...f, [k]: v }));
  const rule = form.newPassword ? passwordRuleProblem(form.newPassword) : undefined;
  return (
    <fieldset>
      <legend>Passwords</legend>
      {form.candidates.map((c, i) => (
        <label key={i}>
          {i === 0 ? 'Password the cameras have now' : `Another guess (${i + 1})`}{' '}
          <input type="password" data-secret autoComplete="off" value={c} data-testid={`sync-current-${i}`}
            onChange={(e) => set('candidates', form.candidates.map((x, j) => (j === i ? e.target.value : x)))} />
        </label>
      ))}
      {form.candidates.length < MAX_CANDIDATES && (
        <button type="button" onClick={() => set('candidates', [...form.candidates, ''])}>Add a guess</button>
      )}
      <p className="hint">Guesses are tried in order; each camera gets at most {p.maxWrong} wrong ones per run.</p>
      {p.budgetNote && (
        <p className="sync-budget-warning" role="status" data-testid="sync-budget-warning">
          {p.budgetNote}
        </p>
      )}
      {p.caseId && (
        <label className="inline">
          <input type="checkbox" checked={form.useCase} onChange={(e) => set('useCase', e.target.checked)} data-testid="sync-use-case" />
          Use the new password of the reset case {p.caseLabel ?? ''}
          {p.caseInMemory ? ' (kept in memory for this session)' : ''}
        </label>
      )}
      {!(form.useCase && p.caseId) && (
        <>
          <label>
            New camera password{' '}
            <input type="password" data-secret autoComplete="new-password" value={form.newPassword} onChange={(e) => set('newPassword', e.target.value)} data-testid="sync-new"
              aria-invalid={rule ? true : undefined} aria-describedby="sync-new-rule" />
          </label>
          <p id="sync-new-rule" className={rule ? 'error' : 'hint'} data-testid="sync-new-rule" aria-live="polite">
            {rule ?? PASSWORD_RULE_HINT}
          </p>
          <label>New camera password, again <input type="password" data-secret autoComplete="new-password" value={form.confirm} onChange={(e) => set('confirm', e.target.value)} data-testid="sync-confirm" /></label>
        </>
      )}
    </fieldset>
  );
}
