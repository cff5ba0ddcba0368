import { useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import type { NvrCertificate, NvrChannel, NvrSignInInput, NvrSnapshot, NvrStatus } from '../../../common/contract/nvr';
import type { InventoryDevice } from '../../../common/domain/device';
import { nvr } from '../../src/api';
import { refreshNvrChannels, signInToNvr, signOutOfNvr, useDevices, useNvrBudget, useNvrChannels, useSiteLoop } from '../../src/data';
import { useNav } from '../../src/nav';
import { Status } from '../../src/status';
import { useAction } from '../../src/use-action';
import { useWhyNot } from '../../src/WhyNot';
import { channelStatus, defaultNvrHost, enabledSince, inventoryLabel, inventoryRowOf, nvrUrlFromInput, nvrUrlOf, onlineSummary, protocolLabel, shownName } from './model';
import './nvr.css';
import { useFocusAfterCommit } from '../../src/focus';

type Run = ReturnType<typeof useAction>[0];

/** The NVR channels view: sign in once (typed or the reset case's password), then its channel list. */
export function NvrView() {
  const { params } = useNav();
  const snap = useNvrChannels().data ?? undefined;
  const devices = [...(useDevices().data?.values() ?? [])];
  const [run, error, busy] = useAction();
  const summary = useRef<HTMLParagraphElement>(null);
  const focusSoon = useFocusAfterCommit();
  const signIn = (input: NvrSignInInput) =>
    void run(async () => {
      await signInToNvr(input);
      // The form is gone: the channel list's summary is where the work continues.
      focusSoon(() => summary.current);
    });

  return (
    <section className="nvr-view" aria-labelledby="nvr-title">
      <h2 id="nvr-title" tabIndex={-1} data-focus-home={snap ? undefined : ''}>
        NVR channels
      </h2>
      {!snap ? (
        <SignIn params={params} devices={devices} busy={busy} onSubmit={signIn} />
      ) : (
        <>
          <ChannelsHead snap={snap} busy={busy} run={run} summaryRef={summary} />
          {snap.notes.map((n) => (
            <p key={n} className="nvr-note">
              {n}
            </p>
          ))}
          <ChannelTable snap={snap} devices={devices} />
        </>
      )}
      {error && (
        <p role="alert" className="nvr-error" data-testid="nvr-error">
          {error}
        </p>
      )}
    </section>
  );
}

/** Which NVR, how many channels record, when it was read; Refresh and Sign out. */
function ChannelsHead({ snap, busy, run, summaryRef }: { snap: NvrSnapshot; busy: boolean; run: Run; summaryRef: RefObject<HTMLParagraphElement | null> }) {
  return (
    <div className="nvr-head">
      <p role="status" data-testid="nvr-summary" ref={summaryRef} tabIndex={-1} data-focus-home="">
        {[snap.identity.model, snap.identity.serial].filter(Boolean).join(' · ') || snap.url} — {onlineSummary(snap.channels)}, read{' '}
        {new Date(snap.readAt).toLocaleTimeString()}
      </p>
      <button type="button" disabled={busy} onClick={() => void run(refreshNvrChannels)}>
        {busy ? 'Reading…' : 'Refresh'}
      </button>
      <button type="button" disabled={busy} onClick={() => void run(signOutOfNvr)}>
        Sign out of the NVR
      </button>
    </div>
  );
}

/** What keeps the sign-in button from working, in words; undefined when it can go. */
function blocker(o: { busy: boolean; address: ReturnType<typeof nvrUrlFromInput>; username: string; needPassword: boolean; password: string; https: boolean; trusted: boolean }) {
  if (o.busy) return 'Signing in…';
  if (!o.address.ok) return o.address.reason;
  if (!o.username.trim()) return 'Type the user name (usually admin).';
  if (o.needPassword && !o.password) return 'Type the NVR’s password.';
  if (o.https && !o.trusted) return 'Check the certificate below and confirm it first.';
  return undefined;
}

function SignIn({ params, devices, busy, onSubmit }: { params: Record<string, string>; devices: InventoryDevice[]; busy: boolean; onSubmit(input: NvrSignInInput): void }) {
  const address = useAddressField(params, devices);
  const choice = useCaseChoice(params);
  const cert = useCertTrust(address.target);
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const budget = useNvrBudget(address.target);
  const why = useWhyNot(blocker({ busy, address: address.parsed, username, needPassword: !choice.viaCase, password, https: address.https, trusted: cert.trusted }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (why.disabled || !address.parsed.ok) return;
    const { url } = address.parsed;
    const trust = address.https ? cert.trust : {};
    onSubmit(choice.viaCase ? { url, username, caseId: choice.caseId!, ...trust } : { url, username, password, ...trust });
    // Clearing the field after each try: a wrong password is never sent twice by accident.
    setPassword('');
  };

  return (
    <form className="nvr-signin" onSubmit={submit} aria-label="Sign in to the NVR">
      <label>
        NVR address
        <input name="nvr-url" value={address.value} onChange={(e) => address.setTyped(e.target.value)} placeholder="192.168.1.108 or http://192.168.1.108:8080" />
      </label>
      {address.suggested && <p className="hint">The NVR found on this network. Type another address to use that one.</p>}
      <label>
        User name
        <input name="nvr-username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" />
      </label>
      <PasswordChoice choice={choice} password={password} setPassword={setPassword} />
      {address.https && <CertCheck cert={cert} />}
      <BudgetHint budget={budget} />
      <div>
        <button type="submit" className="primary" disabled={why.disabled} aria-describedby={why.describedBy}>
          {busy ? 'Signing in…' : 'Sign in to the NVR'}
        </button>
        {!busy && why.note}
      </div>
    </form>
  );
}

/** The address field: it follows the entry point (a case, an NVR row) and the inventory until the technician types in it. */
function useAddressField(params: Record<string, string>, devices: InventoryDevice[]) {
  const start = nvrUrlOf(defaultNvrHost(params['host'], devices));
  const [typed, setTyped] = useState<string>();
  useEffect(() => setTyped(undefined), [params]);
  const value = typed ?? start;
  const parsed = nvrUrlFromInput(value);
  const target = parsed.ok ? parsed.url : '';
  return { value, setTyped, parsed, target, https: target.startsWith('https://'), suggested: Boolean(start) && typed === undefined && !params['host'] };
}

/** "Use the new password saved with the reset case": offered, and ticked, when the entry point names a case. */
function useCaseChoice(params: Record<string, string>) {
  const caseId = params['caseId'];
  const [useCase, setUseCase] = useState(!!caseId);
  useEffect(() => setUseCase(!!params['caseId']), [params]);
  return { caseId, useCase, setUseCase, viaCase: useCase && !!caseId };
}

function PasswordChoice({ choice, password, setPassword }: { choice: ReturnType<typeof useCaseChoice>; password: string; setPassword(p: string): void }) {
  return (
    <>
      {choice.caseId && (
        <label className="inline">
          <input type="checkbox" checked={choice.useCase} onChange={(e) => choice.setUseCase(e.target.checked)} /> Use the new password saved with the reset case
        </label>
      )}
      {!choice.viaCase && (
        <label>
          Password
          <input name="nvr-password" type="password" data-secret value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="off" />
        </label>
      )}
    </>
  );
}

/** The one-try rule, and the app's count of refused sign-ins on this NVR (the shared budget). */
function BudgetHint({ budget }: { budget: NvrStatus | undefined }) {
  return (
    <p className="hint">
      The app tries once per click and never again on its own: the NVR locks the account after a few wrong passwords.
      {budget && budget.failures > 0 && ` The app has counted ${budget.failures} refused sign-in${budget.failures === 1 ? '' : 's'} on this NVR (it stops at ${budget.maxFailures}).`}
    </p>
  );
}

/** An https NVR's certificate, checked by the technician before the first sign-in; forgotten when the address changes. */
function useCertTrust(url: string) {
  const [cert, setCert] = useState<NvrCertificate>();
  const [trusted, setTrusted] = useState(false);
  const [run, error, , setError] = useAction();
  useEffect(() => {
    setCert(undefined);
    setTrusted(false);
    setError(undefined);
  }, [url, setError]);
  const check = () => void run(async () => setCert(await nvr.nvr.certificate({ url })));
  return { cert, trusted, setTrusted, error, check, trust: cert && trusted ? { trustFingerprint: cert.fingerprint256 } : {} };
}

function CertCheck({ cert: { cert, trusted, setTrusted, error, check } }: { cert: ReturnType<typeof useCertTrust> }) {
  return (
    <fieldset className="nvr-cert">
      <legend>The NVR’s https certificate</legend>
      {!cert ? (
        <button type="button" onClick={check}>
          Check the certificate
        </button>
      ) : (
        <>
          <p>
            NVRs ship self-signed certificates, so no authority vouches for this one. SHA-256 fingerprint:{' '}
            <code data-testid="nvr-cert-fingerprint">{cert.fingerprint256}</code> ({cert.subject}, valid to {cert.validTo}).
          </p>
          <label className="inline">
            <input type="checkbox" checked={trusted} onChange={(e) => setTrusted(e.target.checked)} /> I trust this certificate: it is my customer’s NVR
          </label>
        </>
      )}
      {error && <p role="alert">{error}</p>}
    </fieldset>
  );
}

/** Every configured channel, disabled ones too (a disabled channel is a channel, never an empty slot). */
function ChannelTable({ snap, devices }: { snap: NvrSnapshot; devices: InventoryDevice[] }) {
  const since = enabledSince(snap.channels, useSiteLoop().data);
  if (!snap.channels.length) return <p>The NVR has no cameras configured.</p>;
  return (
    <table className="nvr-channels" aria-label="NVR channels">
      <thead>
        <tr>
          <th scope="col">Channel</th>
          <th scope="col">Title</th>
          <th scope="col">Camera address</th>
          <th scope="col">Model</th>
          <th scope="col">Protocol</th>
          <th scope="col">Stored account</th>
          <th scope="col">State</th>
          <th scope="col">Inventory row</th>
        </tr>
      </thead>
      <tbody>
        {snap.channels.map((c) => (
          <ChannelRow key={c.channel} c={c} row={inventoryRowOf(c, devices)} enabledSince={since.has(c.channel)} />
        ))}
      </tbody>
    </table>
  );
}

function ChannelRow({ c, row, enabledSince }: { c: NvrChannel; row: InventoryDevice | undefined; enabledSince: boolean }) {
  const status = channelStatus(c, enabledSince);
  return (
    <tr
      data-testid="nvr-channel"
      data-channel={c.channel}
      data-online={c.online ? 'true' : 'false'}
      data-enabled={c.enabled === false ? 'false' : 'true'}
      data-paused={c.pausedByApp ? 'true' : undefined}
    >
      <td>{c.channel}</td>
      <td>{shownName(c.name)}</td>
      <td className="mono">
        {c.address}
        {c.port ? `:${c.port}` : ''}
      </td>
      <td>{c.model}</td>
      <td>{protocolLabel(c.protocol)}</td>
      <td>{c.username}</td>
      <td data-testid="nvr-channel-state">
        <Status tone={status.tone}>{status.word}</Status>
        {status.note && <span className="nvr-state-note">{status.note}</span>}
      </td>
      <td className={row ? '' : 'muted'}>{inventoryLabel(row)}</td>
    </tr>
  );
}
