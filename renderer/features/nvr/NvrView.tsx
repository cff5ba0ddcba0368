import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { NvrCertificate, NvrChannel, NvrSignInInput, NvrSnapshot, NvrStatus } from '../../../common/contract/nvr';
import type { InventoryDevice } from '../../../common/domain/device';
import { nvr } from '../../src/api';
import { showNvrChannels, useDevices, useNvrChannels, useSiteLoop } from '../../src/data';
import { explain } from '../../src/errors';
import { useNav } from '../../src/nav';
import { Status } from '../../src/status';
import { useWhyNot } from '../../src/WhyNot';
import { channelStatus, defaultNvrHost, enabledSince, inventoryLabel, inventoryRowOf, nvrUrlFromInput, nvrUrlOf, onlineSummary, protocolLabel, shownName } from './model';
import './nvr.css';

/** The NVR channels view: sign in once (typed or the reset case's password), then its channel list. */
export function NvrView() {
  const { params } = useNav();
  const snap = useNvrChannels().data ?? undefined;
  const devices = [...(useDevices().data?.values() ?? [])];
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const summary = useRef<HTMLParagraphElement>(null);

  const act = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await f();
    } catch (e) {
      setError(explain(e));
    } finally {
      setBusy(false);
    }
  };
  const signIn = (input: NvrSignInInput) =>
    act(async () => {
      showNvrChannels(await nvr.nvr.signIn(input));
      // The form is gone: the channel list's summary is where the work continues.
      requestAnimationFrame(() => summary.current?.focus());
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
          <div className="nvr-head">
            <p role="status" data-testid="nvr-summary" ref={summary} tabIndex={-1} data-focus-home="">
              {[snap.identity.model, snap.identity.serial].filter(Boolean).join(' · ') || snap.url} — {onlineSummary(snap.channels)}, read{' '}
              {new Date(snap.readAt).toLocaleTimeString()}
            </p>
            <button type="button" disabled={busy} onClick={() => act(async () => showNvrChannels(await nvr.nvr.channels()))}>
              {busy ? 'Reading…' : 'Refresh'}
            </button>
            <button type="button" disabled={busy} onClick={() => act(async () => (await nvr.nvr.signOut(), showNvrChannels(null)))}>
              Sign out of the NVR
            </button>
          </div>
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
  const start = nvrUrlOf(defaultNvrHost(params['host'], devices));
  const [typed, setTyped] = useState<string>();
  // The field follows the entry point (a case, an NVR row) and the inventory until the technician types in it.
  const url = typed ?? start;
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const caseId = params['caseId'];
  const [useCase, setUseCase] = useState(!!caseId);
  useEffect(() => {
    setTyped(undefined);
    setUseCase(!!params['caseId']);
  }, [params]);
  const address = nvrUrlFromInput(url);
  const https = address.ok && address.url.startsWith('https://');
  const [cert, setCert] = useState<NvrCertificate>();
  const [certError, setCertError] = useState<string>();
  const [trusted, setTrusted] = useState(false);
  const target = address.ok ? address.url : '';
  useEffect(() => {
    setCert(undefined);
    setTrusted(false);
    setCertError(undefined);
  }, [target]);
  const status = useBudget(target, busy);
  const why = useWhyNot(blocker({ busy, address, username, needPassword: !(useCase && caseId), password, https, trusted }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (why.disabled || !address.ok) return;
    // Clearing the field after each try: a wrong password is never sent twice by accident.
    const trust = https && cert && trusted ? { trustFingerprint: cert.fingerprint256 } : {};
    onSubmit(useCase && caseId ? { url: address.url, username, caseId, ...trust } : { url: address.url, username, password, ...trust });
    setPassword('');
  };

  return (
    <form className="nvr-signin" onSubmit={submit} aria-label="Sign in to the NVR">
      <label>
        NVR address
        <input name="nvr-url" value={url} onChange={(e) => setTyped(e.target.value)} placeholder="192.168.1.108 or http://192.168.1.108:8080" />
      </label>
      {start && typed === undefined && !params['host'] && <p className="hint">The NVR found on this network. Type another address to use that one.</p>}
      <label>
        User name
        <input name="nvr-username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" />
      </label>
      {caseId && (
        <label className="inline">
          <input type="checkbox" checked={useCase} onChange={(e) => setUseCase(e.target.checked)} /> Use the new password saved with the reset case
        </label>
      )}
      {!(useCase && caseId) && (
        <label>
          Password
          <input name="nvr-password" type="password" data-secret value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="off" />
        </label>
      )}
      {https && <CertCheck url={target} cert={cert} setCert={setCert} certError={certError} setCertError={setCertError} trusted={trusted} setTrusted={setTrusted} />}
      <p className="hint">
        The app tries once per click and never again on its own: the NVR locks the account after a few wrong passwords.
        {status && status.failures > 0 && ` The app has counted ${status.failures} refused sign-in${status.failures === 1 ? '' : 's'} on this NVR (it stops at ${status.maxFailures}).`}
      </p>
      <div>
        <button type="submit" className="primary" disabled={why.disabled} aria-describedby={why.describedBy}>
          {busy ? 'Signing in…' : 'Sign in to the NVR'}
        </button>
        {!busy && why.note}
      </div>
    </form>
  );
}

/** The app's count of refused sign-ins on this NVR (the shared budget), re-read after each try. */
function useBudget(url: string, busy: boolean): NvrStatus | undefined {
  const [status, setStatus] = useState<NvrStatus>();
  useEffect(() => {
    if (!url) return setStatus(undefined);
    let live = true;
    nvr.nvr.status({ url }).then((s) => live && setStatus(s), () => live && setStatus(undefined));
    return () => {
      live = false;
    };
  }, [url, busy]);
  return status;
}

interface CertProps {
  url: string;
  cert: NvrCertificate | undefined;
  setCert(c: NvrCertificate): void;
  certError: string | undefined;
  setCertError(e: string): void;
  trusted: boolean;
  setTrusted(t: boolean): void;
}

function CertCheck({ url, cert, setCert, certError, setCertError, trusted, setTrusted }: CertProps) {
  return (
    <fieldset className="nvr-cert">
      <legend>The NVR’s https certificate</legend>
      {!cert ? (
        <button type="button" onClick={() => nvr.nvr.certificate({ url }).then(setCert, (e: unknown) => setCertError(explain(e)))}>
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
      {certError && <p role="alert">{certError}</p>}
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
