import { useRef, useState } from 'react';
import type { SitePlanView } from '../../../common/contract/site';
import type { InventoryDevice } from '../../../common/domain/device';
import type { NvrRef } from '../../../common/reset/case';
import { nvr } from '../../src/api';
import { signInToNvr, useNvrChannels, useNvrSession, useSiteLoop } from '../../src/data';
import { useAction } from '../../src/use-action';
import { useFocusAfterCommit } from '../../src/focus';
import { NvrSignInLink } from '../nvr/SignInLink';
import { nvrUrlFromInput, nvrUrlOf, shownName } from '../nvr/model';
import { Board, cameraName } from './Board';
import { caseNvrHost } from './nvr-of-case';
import { PlanView, type Plan, type Target } from './PlanView';
import './site.css';

/** What closing the loop needs: the cameras and passwords, or why they are not ready. */
type Collected = { targets: Target[]; secrets: Plan['secrets'] } | string;

export interface SiteLoopProps {
  /** The inventory, for camera names on the plan and the board. */
  devices: Map<string, InventoryDevice>;
  /** The NVR this loop is for (address), for the sign-in entry point. */
  nvrHost?: string;
  /** The reset case's NVR, to find its inventory row (and web port) whatever form its identity took. */
  nvrRef?: NvrRef;
  /** A reset case: its keychain password is the new password, and the NVR signs in with it (one try). */
  caseId?: string;
  /**
   * Where the cameras and passwords come from. The Sync screen hands its form's
   * (`collect`); otherwise the given `cameras` with the case's new password, and
   * the cameras' current password typed here.
   */
  source: { collect: () => Collected } | { cameras: Omit<Target, 'username'>[] };
}

/** The channel titles the last plan showed, kept for the board (the run's results carry numbers only). */
const planNames = new Map<number, string>();

/**
 * Close the loop (Sync screen, and the reset case's last step): one primary
 * action — sign in to the NVR with the case's password where the case holds it
 * (one try, through the credential gate), read the plan per channel, Save /
 * Cancel as on the NVR's own prompt — then the live per-channel board.
 */
export function SiteLoop({ devices, nvrHost, nvrRef, caseId, source }: SiteLoopProps) {
  const loop = useSiteLoop().data ?? null;
  const session = useNvrSession().data;
  const snap = useNvrChannels().data;
  const [typedNvr, setTypedNvr] = useState<string>();
  const nvrAddress = typedNvr ?? nvrUrlOf(caseNvrHost(nvrRef, nvrHost, devices.values()));
  const form = useCameraForm(source, caseId);
  const signedIn = session?.signedIn === true;
  const a = useLoopActions({ form, caseId, signedIn, nvrAddress });
  // The NVR's own titles (what its screens and the pictures' OSD show) first; the last plan's names where there is no channel list.
  const names = new Map([...planNames, ...(snap?.channels ?? []).flatMap((c) => (shownName(c.name) ? [[c.channel, shownName(c.name)!] as const] : []))]);

  return (
    <section className="site-loop" aria-label="NVR channels after the change">
      <h3>The cameras and the NVR’s channels</h3>
      {a.error && (
        <p role="alert" className="error">
          {a.error}
        </p>
      )}
      {!a.plan && !loop?.running && (
        <>
          <NvrLine signedIn={signedIn} url={session?.url} caseId={caseId} address={nvrAddress} onAddress={setTypedNvr} nvrHost={nvrHost} />
          {form.fields(devices)}
          <div className="actions">
            <button
              ref={a.planButton}
              type="button"
              // The case's last step leads with this; on the Sync screen its own Save and sync stays the one primary action.
              className={'cameras' in source ? 'primary' : undefined}
              onClick={() => void a.makePlan()}
              disabled={a.busy}
              aria-describedby={a.busy ? 'site-busy' : undefined}
              data-testid="site-plan"
            >
              Sync cameras and the NVR’s channels…
            </button>
            {a.busy && (
              <span id="site-busy" className="why-not">
                {signedIn || !caseId ? 'Reading the NVR’s channels…' : 'Signing in to the NVR with the case’s password…'}
              </span>
            )}
          </div>
        </>
      )}
      {a.plan && (
        <PlanView plan={a.plan} devices={devices} names={names} heading={a.planHeading} warning={a.camerasOnlyWarning} busy={a.busy} onSave={() => void a.save()} onCancel={a.cancel}
          onCamerasOnly={(on) => void a.camerasOnly(on)} />
      )}
      <div ref={a.boardHome}>{loop && <Board loop={loop} devices={devices} names={names} />}</div>
    </section>
  );
}

/**
 * The loop's three moves — plan (signing in with the case's password first where
 * needed), Save, Cancel — each leaving focus where the work goes on.
 */
function useLoopActions({ form, caseId, signedIn, nvrAddress }: { form: ReturnType<typeof useCameraForm>; caseId?: string; signedIn: boolean; nvrAddress: string }) {
  const [plan, setPlan] = useState<Plan>();
  const [run, error, busy] = useAction();
  const planHeading = useRef<HTMLHeadingElement>(null);
  const boardHome = useRef<HTMLDivElement>(null);
  const planButton = useRef<HTMLButtonElement>(null);
  const camerasOnlyWarning = useRef<HTMLDivElement>(null);
  const focusSoon = useFocusAfterCommit();
  /** The case's NVR, signed in with the case's password: once per click, never retried. */
  const ensureSignedIn = async () => {
    if (signedIn || !caseId) return;
    const url = nvrUrlFromInput(nvrAddress);
    if (!url.ok) throw new Error(url.reason);
    await signInToNvr({ url: url.url, username: 'admin', caseId });
  };
  const makePlan = () =>
    run(async () => {
      const c = form.collect();
      if (typeof c === 'string') throw new Error(c);
      await ensureSignedIn();
      setPlan(await readPlan(c.targets, c.secrets));
      focusSoon(() => planHeading.current);
    });
  /** The same cameras planned again with (or without) "cameras only"; focus on what the choice changed. */
  const camerasOnly = (on: boolean) =>
    run(async () => {
      if (!plan) return;
      setPlan(await readPlan(plan.targets, plan.secrets, on));
      focusSoon(() => (on ? camerasOnlyWarning.current : planHeading.current));
    });
  const save = () =>
    run(async () => {
      if (!plan) return;
      await nvr.site.closeLoop({ targets: plan.targets, ...plan.secrets, ...(plan.view.camerasOnly ? { camerasOnly: true } : {}) });
      setPlan(undefined);
      form.clear();
      focusSoon(() => boardHome.current?.querySelector<HTMLElement>('[data-focus-home]'));
    });
  const cancel = () => {
    setPlan(undefined);
    focusSoon(() => planButton.current);
  };
  return { plan, error, busy, planHeading, boardHome, planButton, camerasOnlyWarning, makePlan, camerasOnly, save, cancel };
}

/** The plan for these cameras, its channel titles kept for the board. */
async function readPlan(targets: Target[], secrets: Plan['secrets'], camerasOnly?: boolean): Promise<Plan> {
  const view: SitePlanView = await nvr.site.plan({ targets, ...(camerasOnly ? { camerasOnly } : {}) });
  for (const r of view.rows) {
    const name = shownName(r.channel.name);
    if (name) planNames.set(r.channel.channel, name);
  }
  return { view, targets, secrets };
}

/** Which NVR the loop signs in to: signed in already, or the case's address (editable) and the NVR tab as the other way. */
function NvrLine(p: { signedIn: boolean; url?: string; caseId?: string; address: string; onAddress(a: string): void; nvrHost?: string }) {
  if (p.signedIn) return <p className="hint" data-testid="site-nvr">Signed in to the NVR at {p.url}.</p>;
  return (
    <div className="nvr-line">
      {p.caseId ? (
        <label className="inline">
          NVR address <input value={p.address} onChange={(e) => p.onAddress(e.target.value)} placeholder="192.168.1.108" data-testid="site-nvr-address" />
        </label>
      ) : (
        <p className="hint">Sign in to the NVR first: its channel list is what the plan is made from.</p>
      )}
      {p.caseId && <p className="hint">The app signs in as admin with the case’s new password: one try, never repeated on its own.</p>}
      <NvrSignInLink host={p.nvrHost} caseId={p.caseId} label={p.caseId ? 'Sign in to the NVR on its tab instead' : undefined} />
    </div>
  );
}

/** The reset case's own camera choice and the cameras' current password (the Sync screen brings its own form). */
function useCameraForm(source: SiteLoopProps['source'], caseId: string | undefined) {
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
  const fields = (devices: Map<string, InventoryDevice>) =>
    own && (
      <>
        <label className="inline">
          User name on the cameras <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" data-testid="site-username" />
        </label>
        {source.cameras.length > 0 && <CameraPicker cameras={source.cameras} devices={devices} leftOut={leftOut} onChange={setLeftOut} />}
        <label>
          Password the cameras have now{' '}
          <input type="password" data-secret autoComplete="off" value={current} onChange={(e) => setCurrent(e.target.value)} data-testid="site-current" />
        </label>
      </>
    );
  return { collect, fields, clear: () => setCurrent('') };
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
            <input type="checkbox" checked={!leftOut.has(c.xaddr)} onChange={(e) => toggle(c.xaddr, e.target.checked)} /> {cameraName(devices, c.deviceId) ?? c.xaddr}{' '}
            <span className="hint">{c.xaddr}</span>
          </label>
        ))}
      </fieldset>
    </details>
  );
}
