import { useEffect, useMemo, useState } from 'react';
import { ErrorLine } from './ErrorLine';
import { AppError } from '../../../common/contract/define';
import type { KeychainKind } from '../../../common/contract/reset';
import { CODE_ENTRY_LIMIT, STEP_TITLES, type ResetCase } from '../../../common/reset/case';
import { explain } from '../../src/errors';
import { useWhyNot } from '../../src/WhyNot';
import { caseStatus, formatRemaining } from '../../../common/reset/deadlines';
import { generatePassword } from '../../../common/reset/generator';
import { checkPasswordPair, PASSWORD_MESSAGES } from '../../../common/reset/password';
import { ruleLines } from './password-rules';
import { checkSecurityCode } from '../../../common/reset/security-code';
import { estimateStrength } from '../../../common/reset/strength';
import { nvr } from '../../src/api';
import { useCases, useDevices } from '../../src/data';
import { copyText } from './copy';
import { useAction } from '../../src/use-action';
import type { StepProps } from './steps-early';
import { SiteLoop } from '../site/SiteLoop';


function Countdown({ label, until, now }: { label: string; until: number; now: number }) {
  const left = until - now;
  return (
    <p className={left <= 0 ? 'countdown over' : 'countdown'} data-testid="countdown">
      {label}: <b>{formatRemaining(left)}</b> <span className="reset-hint">({new Date(until).toLocaleString()})</span>
    </p>
  );
}

type Run = ReturnType<typeof useAction>[0];
type Status = ReturnType<typeof caseStatus>;

export function CodeStep({ c, now }: StepProps) {
  const [run, error, busy] = useAction();
  const s = caseStatus(c, now);
  const newQr = (
    <button type="button" className="primary" disabled={busy} onClick={() => run(() => nvr.cases.newQr({ caseId: c.id }))}>
      Generate a new QR code
    </button>
  );
  if (s.codeExpired) return <CodeExpired error={error} newQr={newQr} />;
  return (
    <>
      {c.codeReceivedAt === undefined ? (
        <AwaitingReply s={s} now={now} newQr={newQr} />
      ) : (
        s.codeExpiresAt !== undefined && <Countdown label="Security code valid for" until={s.codeExpiresAt} now={now} />
      )}
      <CodeForm c={c} run={run} busy={busy} />
      {c.codeReceivedAt !== undefined && <CodeOnNvr c={c} s={s} now={now} run={run} busy={busy} />}
      {s.warnings.map((w) => (
        <p key={w} role="status" className="reset-warning">
          {w}
        </p>
      ))}
      <ErrorLine error={error} />
    </>
  );
}

function CodeExpired({ error, newQr }: { error: string | undefined; newQr: React.ReactNode }) {
  return (
    <div role="alert" className="expired">
      <h3>The security code has expired</h3>
      <p>
        Codes are valid for 24 hours. On the NVR, click <b>Back</b> (or start again from <b>Forgot Password</b>), enter the registered email,
        and capture the new QR code; then send it to support again.
      </p>
      <ErrorLine error={error} />
      {newQr}
    </div>
  );
}

/** Before the code arrives: support's 24 h window, where to look, and a new QR code once it passed. */
function AwaitingReply({ s, now, newQr }: { s: Status; now: number; newQr: React.ReactNode }) {
  return (
    <>
      {s.deliveryDeadline !== undefined && <Countdown label="Reply from support expected within" until={s.deliveryDeadline} now={now} />}
      <p className="reset-warning">Nothing yet? Check spam/junk and filtered folders of the registered email, and add support to the contacts.</p>
      {s.deliveryOverdue && (
        <div role="alert" className="expired">
          <p>No reply within 24 hours. Check the spam folder once more, then generate a new QR code and send again.</p>
          {newQr}
        </div>
      )}
    </>
  );
}

/** "The code arrived": checked for shape here; the code is typed on the NVR, the app keeps only the time it arrived. */
function CodeForm({ c, run, busy }: { c: ResetCase; run: Run; busy: boolean }) {
  const [code, setCode] = useState('');
  const check = code ? checkSecurityCode(code) : undefined;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          await nvr.cases.recordCode({ caseId: c.id, code });
          setCode('');
        });
      }}
    >
      <label>
        Security code
        <input data-secret value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" spellCheck={false} />
      </label>
      {check && !check.ok && <p className="reset-hint">{check.message}</p>}
      <button type="submit" disabled={busy || !check?.ok}>
        {c.codeReceivedAt === undefined ? 'The code arrived' : 'Another code arrived'}
      </button>
    </form>
  );
}

/** The code typed on the NVR: what the NVR said, and how many wrong entries are left before it locks code entry. */
function CodeOnNvr({ c, s, now, run, busy }: { c: ResetCase; s: Status; now: number; run: Run; busy: boolean }) {
  return (
    <>
      <p>
        Type the code into the <b>Security code</b> field on the NVR and click <b>Next</b>. What did the NVR say?
      </p>
      <p className="reset-hint">
        Wrong entries so far: {s.wrongInRow} of {CODE_ENTRY_LIMIT} before the NVR locks code entry for about 5 minutes. Two codes per QR code.
      </p>
      {s.lockedUntil !== undefined && <Countdown label="Code entry locked on the NVR for" until={s.lockedUntil} now={now} />}
      <div className="send-ways">
        <button type="button" className="primary" disabled={busy} onClick={() => run(() => nvr.cases.recordAttempt({ caseId: c.id, result: 'accepted' }))}>
          The NVR accepted the code
        </button>
        <button type="button" disabled={busy || s.lockedUntil !== undefined} onClick={() => run(() => nvr.cases.recordAttempt({ caseId: c.id, result: 'wrong' }))}>
          The NVR said the code is wrong
        </button>
      </div>
    </>
  );
}

export function PasswordStep({ c }: StepProps) {
  const keychain = useCases().data?.keychain;
  const pair = usePasswordPair();
  const [run, error, busy] = useAction();
  const check = checkPasswordPair(pair.pw, pair.confirm);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          await nvr.cases.setPassword({ caseId: c.id, password: pair.pw });
          pair.clear();
        });
      }}
    >
      <p>
        Choose the new password, type it into <b>New Password</b> and <b>Confirm Password</b> on the NVR, and here.
      </p>
      <StorageNote keychain={keychain} />
      <PasswordFields pair={pair} />
      <RuleList pw={pair.pw} confirm={pair.confirm} check={check} />
      {pair.pw.length > 0 &&
        check.warnings.map((w) => (
          <p key={w} className="advice">
            Advice: {PASSWORD_MESSAGES[w]}
          </p>
        ))}
      <StrengthMeter pw={pair.pw} />
      <ErrorLine error={error} />
      <button type="submit" className="primary" disabled={busy || !check.ok}>
        Save the new password
      </button>
    </form>
  );
}

/** The new password typed twice (or generated), shown or hidden. */
function usePasswordPair() {
  const [pw, setPw] = useState('');
  const [confirm, setConfirm] = useState('');
  const [show, setShow] = useState(false);
  const generate = () => {
    const g = generatePassword({ length: 16 });
    setPw(g);
    setConfirm(g);
    setShow(true);
  };
  const clear = () => {
    setPw('');
    setConfirm('');
  };
  return { pw, setPw, confirm, setConfirm, show, setShow, generate, clear };
}

function PasswordFields({ pair }: { pair: ReturnType<typeof usePasswordPair> }) {
  const type = pair.show ? 'text' : 'password';
  return (
    <>
      <label>
        New password
        <input data-secret type={type} value={pair.pw} onChange={(e) => pair.setPw(e.target.value)} autoComplete="new-password" spellCheck={false} />
      </label>
      <label>
        Confirm password
        <input data-secret type={type} value={pair.confirm} onChange={(e) => pair.setConfirm(e.target.value)} autoComplete="new-password" spellCheck={false} />
      </label>
      <label className="inline">
        <input type="checkbox" checked={pair.show} onChange={(e) => pair.setShow(e.target.checked)} /> Show password
      </label>
      <button type="button" onClick={pair.generate}>
        Generate a password
      </button>
    </>
  );
}

/** The NVR's rule, shown before typing; each line turns ✓ or ✗ as the password is typed. */
function RuleList({ pw, confirm, check }: { pw: string; confirm: string; check: ReturnType<typeof checkPasswordPair> }) {
  return (
    <ul className="rules" aria-label="Password rule" data-testid="password-rule">
      {ruleLines(pw, check).map((r) => (
        <li key={r.text} className={r.state}>
          {r.text}
          {r.why && <strong> — {r.why}</strong>}
        </li>
      ))}
      {pw.length > 0 && confirm.length > 0 && !check.matches && <li className="bad"><strong>The two passwords differ.</strong></li>}
      {check.ok && <li className="good accepted">The NVR accepts this password.</li>}
    </ul>
  );
}

function StrengthMeter({ pw }: { pw: string }) {
  const strength = estimateStrength(pw);
  return (
    <div className="strength">
      <span id="strength-label">Strength:</span>{' '}
      <meter aria-labelledby="strength-label" min={0} max={4} low={2} high={3} optimum={4} value={pw ? strength.score : 0} />{' '}
      <span data-testid="strength">{pw ? strength.label : '—'}</span>
    </div>
  );
}

/** Where the new password goes, said as it is: the OS keychain, the demo's keychain, or nowhere but memory. */
export function StorageNote({ keychain }: { keychain: { available: boolean; kind?: KeychainKind } | undefined }) {
  const kind = keychain ? (keychain.kind ?? (keychain.available ? 'os' : 'none')) : undefined;
  if (kind === 'os') return <p data-testid="storage-note">It is kept in the OS keychain for the hand-over — never in a file.</p>;
  if (kind === 'demo')
    return (
      <p data-testid="storage-note">
        The demo keeps it in the keychain it runs with — a throwaway one when no keychain was running, removed when the demo ends — never in a
        file. Write it down if you need it after the demo.
      </p>
    );
  if (kind === 'none')
    return (
      <p className="session-only" data-testid="no-keychain-ahead">
        <b>No OS keychain here:</b> after saving, the password stays only in this app’s memory until it closes (camera sync can use it).
        Have paper ready to write it down.
      </p>
    );
  return null;
}

/** Shows the password from the keychain for 30 s, then removes it from the page; where the keychain lost it, asks for it again. */
export function Reveal({ caseId }: { caseId: string }) {
  const [pw, setPw] = useState<string>();
  const [error, setError] = useState<string>();
  const [retype, setRetype] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (pw === undefined) return;
    const t = setTimeout(() => setPw(undefined), 30_000);
    return () => clearTimeout(t);
  }, [pw]);
  const reveal = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setPw((await nvr.cases.revealPassword({ caseId })).password);
    } catch (e) {
      setError(explain(e));
      setRetype(e instanceof AppError && e.params?.retype === true);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="reveal">
      {pw === undefined ? (
        <button type="button" disabled={busy} onClick={() => void reveal()}>
          Reveal the new password (hand-over)
        </button>
      ) : (
        <>
          <code aria-label="New password" data-secret>{pw}</code>{' '}
          <button type="button" onClick={() => setPw(undefined)}>
            Hide
          </button>
        </>
      )}
      <ErrorLine error={error} />
      {retype && <Retype caseId={caseId} onKept={() => (setRetype(false), setError(undefined))} />}
    </div>
  );
}

/** The next step when the keychain no longer holds the password: type it again (from the written copy) to keep it. */
function Retype({ caseId, onKept }: { caseId: string; onKept(): void }) {
  const [value, setValue] = useState('');
  const [run, error, busy] = useAction();
  const why = useWhyNot(busy ? 'Keeping it…' : !value ? 'Type the password first.' : undefined);
  return (
    <form
      className="retype"
      aria-label="Keep the new password again"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          await nvr.cases.rememberPassword({ caseId, password: value });
          setValue('');
          onKept();
        });
      }}
    >
      <label>
        Type the new password again to keep it for the hand-over
        <input type="password" data-secret autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} />
      </label>
      <ErrorLine error={error} />
      <button type="submit" disabled={why.disabled} aria-describedby={why.describedBy}>
        Keep it
      </button>
      {why.note}
    </form>
  );
}

/** Said plainly whenever a case's password lives in memory only (no OS keychain). */
export function SessionOnlyNotice({ c }: { c: ResetCase }) {
  if (c.passwordKept !== 'session-memory') return null;
  return (
    <div role="alert" className="session-only" data-testid="session-only">
      <p>
        <b>Write the new password down now.</b> The OS keychain is not available, so the password is kept only in this app’s memory for this
        session: camera sync can use it, but it is gone when the app closes or restarts. It was not saved anywhere else.
      </p>
    </div>
  );
}

export function SyncStep({ c }: StepProps) {
  const [run, error, busy] = useAction();
  return (
    <>
      <SessionOnlyNotice c={c} />
      <p>
        The NVR now asks whether to <b>sync the new password to remotely connected devices</b> by its default protocol. Press <b>Save</b> to
        sync, <b>Cancel</b> not to; then enter the new password once more on the NVR.
      </p>
      <ul>
        <li>The NVR syncs only cameras it added with its own (private) protocol, and reports no result per camera.</li>
        <li>
          It does <b>not</b> sync cameras added by ONVIF, nor the cameras’ separate ONVIF accounts: the camera sync in this app does those next.
        </li>
      </ul>
      <p>What did you press on the NVR?</p>
      <div className="send-ways">
        <button type="button" className="primary" disabled={busy} onClick={() => run(() => nvr.cases.recordSync({ caseId: c.id, choice: 'save' }))}>
          Save (sync)
        </button>
        <button type="button" disabled={busy} onClick={() => run(() => nvr.cases.recordSync({ caseId: c.id, choice: 'cancel' }))}>
          Cancel (no sync)
        </button>
      </div>
      <Reveal caseId={c.id} />
      <ErrorLine error={error} />
    </>
  );
}

export function DoneStep({ c }: StepProps) {
  if (c.outcome === 'abandoned') return <ClosedCase c={c} />;
  const kept = c.passwordKept === 'session-memory';
  return (
    <>
      <p role="status">
        {kept
          ? 'The NVR password was reset. The password was not stored (no OS keychain): only the written-down copy survives a restart.'
          : 'The NVR password was reset.'}{' '}
        Last: put the new password on the cameras and the NVR’s stored channel passwords, and see every channel record.
      </p>
      <SessionOnlyNotice c={c} />
      <CaseSiteLoop c={c} />
      <HandOver c={c} />
    </>
  );
}

/** A case closed without a reset: what it was, and the way back. */
function ClosedCase({ c }: { c: ResetCase }) {
  const [run, error, busy] = useAction();
  return (
    <>
      <p role="status">
        This case was closed without a reset{c.closedFromStep ? ` at “${STEP_TITLES[c.closedFromStep]}”` : ''}.
      </p>
      <ErrorLine error={error} />
      <button type="button" className="primary" disabled={busy} onClick={() => void run(() => nvr.cases.reopen({ caseId: c.id }))}>
        Reopen this case
      </button>
      <Summary c={c} />
    </>
  );
}

/** The hand-over: the password (from the keychain) and the ticket summary. */
function HandOver({ c }: { c: ResetCase }) {
  return (
    <section aria-label="Hand-over" className="hand-over">
      <h4>Hand-over</h4>
      {c.passwordSetAt !== undefined && <Reveal caseId={c.id} />}
      <Summary c={c} />
    </section>
  );
}

function Summary({ c }: { c: ResetCase }) {
  const [summary, setSummary] = useState('');
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    nvr.cases.summary({ caseId: c.id }).then((s) => setSummary(s.text), () => setSummary(''));
  }, [c]);
  return (
    <>
      <label>
        Summary for the service ticket
        <textarea readOnly rows={10} value={summary} />
      </label>
      <button type="button" onClick={() => copyText(summary).then(() => setCopied(true), () => setCopied(false))}>
        {copied ? 'Copied' : 'Copy the summary'}
      </button>
    </>
  );
}

/** The case's last step closes the loop: every ONVIF camera in the inventory, the case's new password, its NVR signed in with it. */
function CaseSiteLoop({ c }: { c: ResetCase }) {
  const inventory = useDevices().data;
  const cameras = useMemo(
    () => [...(inventory?.values() ?? [])].filter((d) => d.xaddrs.length > 0 && d.kind !== 'nvr').map((d) => ({ xaddr: d.xaddrs[0]!, deviceId: d.id })),
    [inventory],
  );
  return <SiteLoop devices={inventory ?? new Map()} nvrHost={c.nvr.address} nvrRef={c.nvr} caseId={c.id} source={{ cameras }} />;
}
