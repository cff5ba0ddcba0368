import { useEffect, useState } from 'react';
import type { SiteLoopState, SitePlanView } from '../../../common/contract/site';
import { CHANNEL_OUTCOMES } from '../../../common/nvr/channel-outcomes';
import type { InventoryDevice } from '../../../common/domain/device';
import { nvr } from '../../src/api';
import { useClockOffset, useSiteLoop } from '../../src/data';
import { explain } from '../../src/errors';
import { NvrSignInLink } from '../nvr/SignInLink';
import { TileSnapshot } from './Snapshot';
import './site.css';

type Target = { xaddr: string; username: string; deviceId?: string };
type Secrets = { currentPasswords: string[]; newPassword?: string; caseId?: string };

const ACTION: Record<SitePlanView['rows'][number]['action']['kind'], string> = {
  'nvr-own-sync': "Nothing: the NVR's own sync",
  'change-camera-then-nvr': 'Change the camera, then the NVR',
  'update-nvr-only': "Update the NVR's stored password",
  cannot: 'Cannot',
};

/** What closing the loop needs: the cameras and passwords, or why they are not ready. */
type Collected = { targets: Target[]; secrets: Secrets } | string;

export interface SiteLoopProps {
  /** The inventory, for camera names on the plan and the board. */
  devices: Map<string, InventoryDevice>;
  /** The NVR this loop is for (address), for the sign-in entry point. */
  nvrHost?: string;
  /** A reset case: its keychain password is the new password (the NVR sign-in may use it too). */
  caseId?: string;
  /**
   * Where the cameras and passwords come from. The Sync screen hands its form's
   * (`collect`); otherwise the given `cameras` with the case's new password, and
   * the cameras' current password typed here.
   */
  source: { collect: () => Collected } | { cameras: Omit<Target, 'username'>[] };
}

/**
 * Close the loop (Sync screen, and the reset case's last step): the plan per NVR
 * channel with Save / Cancel (as the NVR's own prompt), then the live per-channel board.
 */
export function SiteLoop({ devices, nvrHost, caseId, source }: SiteLoopProps) {
  const loop = useSiteLoop().data ?? null;
  const [plan, setPlan] = useState<{ view: SitePlanView; targets: Target[]; secrets: Secrets }>();
  const [error, setError] = useState<string>();
  const [current, setCurrent] = useState('');
  const [username, setUsername] = useState('admin');
  /** Cameras the technician left out (by address); every inventory camera is chosen until then. */
  const [leftOut, setLeftOut] = useState<ReadonlySet<string>>(() => new Set());
  const own = 'cameras' in source;
  const chosen = own ? source.cameras.filter((c) => !leftOut.has(c.xaddr)) : [];

  const collect = (): Collected => {
    if (!own) return source.collect();
    if (!source.cameras.length) return 'No ONVIF cameras in the inventory yet: wait for discovery, or use the Camera sync screen to type their addresses.';
    if (!caseId) return 'No reset case: use the Camera sync screen to type the new password.';
    if (!chosen.length) return 'Choose at least one camera to change.';
    if (!current) return 'Enter the password the cameras have now.';
    return { targets: chosen.map((c) => ({ ...c, username })), secrets: { currentPasswords: [current], caseId } };
  };

  const makePlan = async () => {
    setError(undefined);
    const c = collect();
    if (typeof c === 'string') return setError(c);
    try {
      setPlan({ view: await nvr.site.plan({ targets: c.targets }), targets: c.targets, secrets: c.secrets });
    } catch (e) {
      setError(explain(e));
    }
  };
  const save = async () => {
    if (!plan) return;
    setError(undefined);
    try {
      await nvr.site.closeLoop({ targets: plan.targets, ...plan.secrets });
      setPlan(undefined);
      setCurrent('');
    } catch (e) {
      setError(explain(e));
    }
  };

  return (
    <section className="site-loop" aria-label="NVR channels after the change">
      <h3>The NVR's channels</h3>
      {error && <p role="alert" className="error">{error}</p>}
      {!plan && !loop?.running && (
        <>
          {own && (
            <label className="inline">
              User name on the cameras <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" data-testid="site-username" />
            </label>
          )}
          {own && source.cameras.length > 0 && (
            <CameraPicker cameras={source.cameras} devices={devices} leftOut={leftOut} onChange={setLeftOut} />
          )}
          {own && (
            <label>
              Password the cameras have now{' '}
              <input type="password" data-secret autoComplete="off" value={current} onChange={(e) => setCurrent(e.target.value)} data-testid="site-current" />
            </label>
          )}
          <div className="actions">
            <button type="button" onClick={makePlan} data-testid="site-plan">Sync cameras and the NVR's channels…</button>
            <NvrSignInLink host={nvrHost} caseId={caseId} />
          </div>
        </>
      )}
      {plan && (
        <div role="dialog" aria-label="Site plan" data-testid="site-plan-view">
          <p>Sync this password to the cameras and to the NVR's stored passwords? Nothing changes before you press Save.</p>
          <table>
            <caption className="hint">Plan for the NVR at {plan.view.nvr}</caption>
            <thead>
              <tr><th scope="col">Channel</th><th scope="col">Camera</th><th scope="col">Protocol</th><th scope="col">Account</th><th scope="col">Online</th><th scope="col">The app will</th></tr>
            </thead>
            <tbody>
              {plan.view.rows.map((r) => (
                <tr key={r.channel.channel} data-testid="site-plan-row">
                  <td>{r.channel.channel} {r.channel.name}</td>
                  <td>{cameraName(devices, r.deviceId) ?? r.channel.address}{r.model ? ` · ${r.model}` : ''}</td>
                  <td>{r.channel.protocol}</td>
                  <td>{r.channel.username}</td>
                  <td>{r.channel.online ? 'yes' : 'no'}</td>
                  <td><b>{ACTION[r.action.kind]}</b><br /><span className="hint">{r.why}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
          {plan.view.unusedCameras.length > 0 && (
            <p className="hint">Chosen cameras no channel records (their password changes too): {plan.view.unusedCameras.map((c) => c.xaddr).join(', ')}</p>
          )}
          <div className="actions">
            <button type="button" className="primary" onClick={save} data-testid="site-save">Save</button>
            <button type="button" onClick={() => setPlan(undefined)} data-testid="site-cancel">Cancel</button>
          </div>
        </div>
      )}
      {loop && <Board loop={loop} devices={devices} />}
    </section>
  );
}

/** Which inventory cameras the case changes: all of them unless the technician leaves some out. */
function CameraPicker({ cameras, devices, leftOut, onChange }: {
  cameras: Omit<Target, 'username'>[];
  devices: Map<string, InventoryDevice>;
  leftOut: ReadonlySet<string>;
  onChange: (next: ReadonlySet<string>) => void;
}) {
  const toggle = (xaddr: string, on: boolean) => {
    const next = new Set(leftOut);
    if (on) next.delete(xaddr);
    else next.add(xaddr);
    onChange(next);
  };
  return (
    <details className="camera-picker" data-testid="site-cameras">
      <summary>
        Cameras to change: {cameras.filter((c) => !leftOut.has(c.xaddr)).length} of {cameras.length}
      </summary>
      <fieldset>
        <legend>Cameras to change (the inventory's ONVIF cameras)</legend>
        {cameras.map((c) => (
          <label key={c.xaddr} className="inline">
            <input type="checkbox" checked={!leftOut.has(c.xaddr)} onChange={(e) => toggle(c.xaddr, e.target.checked)} />{' '}
            {cameraName(devices, c.deviceId) ?? c.xaddr} <span className="hint">{c.xaddr}</span>
          </label>
        ))}
      </fieldset>
    </details>
  );
}

function cameraName(devices: Map<string, InventoryDevice>, id: string | undefined): string | undefined {
  const d = id ? [...devices.values()].find((x) => x.id === id) : undefined;
  return d ? (d.name ?? d.model ?? d.addresses[0]) : undefined;
}

function Board({ loop, devices }: { loop: SiteLoopState; devices: Map<string, InventoryDevice> }) {
  const offset = useClockOffset();
  const [now, setNow] = useState(() => Date.now() + offset);
  useEffect(() => {
    if (!loop.running) return;
    const t = setInterval(() => setNow(Date.now() + offset), 1000);
    return () => clearInterval(t);
  }, [loop.running, offset]);
  const left = loop.watchUntil !== undefined ? Math.max(0, Math.ceil((loop.watchUntil - now) / 1000)) : undefined;
  return (
    <div data-testid="site-board">
      <p role="status" aria-live="polite" className="summary" data-testid="site-summary" data-running={String(loop.running)}>
        {loop.summary ?? (loop.running ? 'Changing the cameras and the NVR…' : '')}
        {loop.running && left !== undefined && <span data-testid="site-countdown"> Watching the channels reconnect: {left} s left.</span>}
      </p>
      {loop.error && <p role="alert" className="error">{loop.error}</p>}
      <ul className="tiles">
        {loop.results.map((r) => {
          const info = r.outcome ? CHANNEL_OUTCOMES[r.outcome] : undefined;
          return (
            <li key={r.channel} className={`tile ${info ? (info.success ? 'o-good' : 'o-bad') : 'o-pending'}`} data-testid="site-tile" data-outcome={r.outcome ?? 'pending'}>
              <b>Channel {r.channel}</b> <span>{info?.label ?? 'Waiting…'}</span>
              <br />
              <span data-testid="site-tile-camera">{cameraName(devices, r.deviceId) ?? r.address}</span>
              {r.outcome && <TileSnapshot runId={loop.syncRunId} channel={r.channel} camera={cameraName(devices, r.deviceId) ?? r.address ?? `on channel ${r.channel}`} />}
              <br />
              <span className="hint">{r.detail}</span>
              {info && !info.success && <><br /><span className="hint">Next: {info.nextStep}</span></>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
