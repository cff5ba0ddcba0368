import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { NvrCertificate, NvrSnapshot, NvrStatus } from '../../../common/contract/nvr';
import type { InventoryDevice } from '../../../common/domain/device';
import { nvr } from '../../src/api';
import { explain } from '../../src/errors';
import { useNav } from '../../src/nav';
import { inventoryLabel, inventoryRowOf, nvrUrlOf, onlineSummary, protocolLabel } from './model';
import './nvr.css';

/** The NVR channels view: sign in once (typed or the reset case's password), then its channel list. */
export function NvrView() {
  const { params } = useNav();
  const [snap, setSnap] = useState<NvrSnapshot>();
  const [devices, setDevices] = useState<InventoryDevice[]>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => nvr.on('nvr.channels', setSnap), []);
  useEffect(() => {
    // Back on this tab with a session still open: read it again (no sign-in; a closed session shows the form).
    nvr.nvr.status({}).then((s) => (s.signedIn ? nvr.nvr.channels().then(setSnap) : undefined)).catch(() => undefined);
  }, []);
  useEffect(() => {
    nvr.devices.list().then(setDevices, () => setDevices([]));
  }, [snap]);

  const act = useCallback(async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await f();
    } catch (e) {
      setError(explain(e));
    } finally {
      setBusy(false);
    }
  }, []);

  return (
    <section className="nvr-view" aria-labelledby="nvr-title">
      <h2 id="nvr-title">NVR channels</h2>
      {!snap ? (
        <SignIn params={params} busy={busy} onSubmit={(input) => act(async () => setSnap(await nvr.nvr.signIn(input)))} />
      ) : (
        <>
          <div className="nvr-head">
            <p role="status" data-testid="nvr-summary">
              {[snap.identity.model, snap.identity.serial].filter(Boolean).join(' · ') || snap.url} — {onlineSummary(snap.channels)}, read{' '}
              {new Date(snap.readAt).toLocaleTimeString()}
            </p>
            <button type="button" disabled={busy} onClick={() => act(async () => setSnap(await nvr.nvr.channels()))}>
              Refresh
            </button>
            <button type="button" disabled={busy} onClick={() => act(async () => (await nvr.nvr.signOut(), setSnap(undefined)))}>
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

interface SignInInput {
  url: string;
  username: string;
  password?: string;
  caseId?: string;
  trustFingerprint?: string;
}

function SignIn({ params, busy, onSubmit }: { params: Record<string, string>; busy: boolean; onSubmit(input: SignInInput): void }) {
  const [url, setUrl] = useState(nvrUrlOf(params['host']));
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const caseId = params['caseId'];
  const [useCase, setUseCase] = useState(!!caseId);
  // The screen stays mounted: an entry point (NVR row, reset case) opening it again brings new values.
  useEffect(() => {
    if (params['host']) setUrl(nvrUrlOf(params['host']));
    setUseCase(!!caseId);
  }, [params, caseId]);
  const [status, setStatus] = useState<NvrStatus>();
  const https = /^https:\/\//i.test(url.trim());
  const [cert, setCert] = useState<NvrCertificate>();
  const [certError, setCertError] = useState<string>();
  const [trusted, setTrusted] = useState(false);
  useEffect(() => {
    setCert(undefined);
    setTrusted(false);
    setCertError(undefined);
  }, [url]);

  useEffect(() => {
    if (!url) return;
    let live = true;
    nvr.nvr.status({ url }).then((s) => live && setStatus(s), () => live && setStatus(undefined));
    return () => {
      live = false;
    };
  }, [url, busy]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Clearing the field after each try: a wrong password is never sent twice by accident.
    const trust = https && cert && trusted ? { trustFingerprint: cert.fingerprint256 } : {};
    onSubmit(useCase && caseId ? { url: url.trim(), username, caseId, ...trust } : { url: url.trim(), username, password, ...trust });
    setPassword('');
  };

  return (
    <form className="nvr-signin" onSubmit={submit} aria-label="Sign in to the NVR">
      <label>
        NVR address
        <input name="nvr-url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://192.168.1.108" required />
      </label>
      <label>
        User name
        <input name="nvr-username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" required />
      </label>
      {caseId && (
        <label className="inline">
          <input type="checkbox" checked={useCase} onChange={(e) => setUseCase(e.target.checked)} /> Use the new password saved with the reset case
        </label>
      )}
      {!(useCase && caseId) && (
        <label>
          Password
          <input name="nvr-password" type="password" data-secret value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="off" required />
        </label>
      )}
      {https && (
        <fieldset className="nvr-cert">
          <legend>The NVR’s https certificate</legend>
          {!cert ? (
            <button type="button" onClick={() => nvr.nvr.certificate({ url: url.trim() }).then(setCert, (e: unknown) => setCertError(explain(e)))}>
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
      )}
      <p className="hint">
        The app tries once per click and never again on its own: the NVR locks the account after a few wrong passwords.
        {status && status.failures > 0 && ` The app has counted ${status.failures} refused sign-in${status.failures === 1 ? '' : 's'} on this NVR (it stops at ${status.maxFailures}).`}
      </p>
      <button type="submit" className="primary" disabled={busy || !url || !username || (https && !trusted)}>
        {busy ? 'Signing in…' : 'Sign in to the NVR'}
      </button>
    </form>
  );
}

function ChannelTable({ snap, devices }: { snap: NvrSnapshot; devices: InventoryDevice[] }) {
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
          <th scope="col">Online</th>
          <th scope="col">Inventory row</th>
        </tr>
      </thead>
      <tbody>
        {snap.channels.map((c) => {
          const row = inventoryRowOf(c, devices);
          return (
            <tr key={c.channel} data-testid="nvr-channel" data-channel={c.channel} data-online={c.online ? 'true' : 'false'}>
              <td>{c.channel}</td>
              <td>{c.name}</td>
              <td className="mono">{c.address}{c.port ? `:${c.port}` : ''}</td>
              <td>{c.model}</td>
              <td>{protocolLabel(c.protocol)}</td>
              <td>{c.username}</td>
              <td>
                <span className={`pill ${c.online ? 'on' : 'off'}`}>{c.online ? 'Online' : c.state === 'unknown' ? 'Unknown' : 'Offline'}</span>
              </td>
              <td className={row ? '' : 'muted'}>{inventoryLabel(row)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
