import type { RefObject } from 'react';
import type { SitePlanRow, SitePlanView } from '../../../common/contract/site';
import type { InventoryDevice } from '../../../common/domain/device';
import { Status } from '../../src/status';
import { protocolLabel, shownName } from '../nvr/model';
import { cameraName } from './Board';
import { actionLabel, camerasOnlyChoice, channelState, nvrAccount, rowWhy, writePathVerdict } from './plan-model';

export type Target = { xaddr: string; username: string; deviceId?: string };
export type Plan = { view: SitePlanView; targets: Target[]; secrets: { currentPasswords: string[]; newPassword?: string; caseId?: string } };

const channelList = (cs: readonly number[]) => `channel${cs.length === 1 ? '' : 's'} ${cs.join(', ')}`;

/** The plan per channel, before anything changes: Save or Cancel, as on the NVR's own prompt. */
export function PlanView({ plan, devices, names, heading, warning, busy, onSave, onCancel, onCamerasOnly }: {
  plan: Plan;
  devices: Map<string, InventoryDevice>;
  /** Channel titles as the NVR's own screens show them (its channel list), else the stored names. */
  names: ReadonlyMap<number, string>;
  heading: RefObject<HTMLHeadingElement | null>;
  /** Where focus goes once "cameras only" is chosen: the warning it brings. */
  warning: RefObject<HTMLDivElement | null>;
  busy: boolean;
  onSave(): void;
  onCancel(): void;
  /** Plan again with (or without) "cameras only". */
  onCamerasOnly(on: boolean): void;
}) {
  const { view } = plan;
  const camerasOnly = view.camerasOnly === true;
  return (
    <div role="dialog" aria-label="Site plan" aria-describedby="site-plan-q" data-testid="site-plan-view">
      <h4 ref={heading} tabIndex={-1} data-focus-home="">
        The plan for the NVR at {view.nvr}
      </h4>
      <p id="site-plan-q">Sync this password to the cameras and to the NVR's stored passwords? Nothing changes before you press Save.</p>
      <WritePath view={view} />
      <CamerasOnly view={view} warning={warning} busy={busy} onChoose={onCamerasOnly} />
      <table>
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col">Camera</th>
            <th scope="col">NVR signs in as</th>
            <th scope="col">On the NVR</th>
            <th scope="col">The app will</th>
          </tr>
        </thead>
        <tbody>{view.rows.map((r) => <PlanRow key={r.channel.channel} r={r} view={view} devices={devices} title={names.get(r.channel.channel)} />)}</tbody>
      </table>
      {view.unusedCameras.length > 0 && (
        <p className="hint">Chosen cameras no channel records (their password changes too): {view.unusedCameras.map((c) => c.xaddr).join(', ')}</p>
      )}
      <div className="actions">
        <button type="button" className="primary" onClick={onSave} disabled={busy} data-testid="site-save">
          {camerasOnly ? 'Save: change the cameras only' : 'Save'}
        </button>
        <button type="button" onClick={onCancel} data-testid="site-cancel">
          Cancel
        </button>
      </div>
    </div>
  );
}

function PlanRow({ r, view, devices, title }: { r: SitePlanRow; view: SitePlanView; devices: Map<string, InventoryDevice>; title: string | undefined }) {
  const state = channelState(r.channel, view.writePath.ok);
  const account = nvrAccount(r);
  return (
    <tr data-testid="site-plan-row" data-channel={r.channel.channel} data-enabled={String(r.channel.enabled !== false)}>
      <td>
        {r.channel.channel} {title ?? shownName(r.channel.name)}
      </td>
      <td>
        {cameraName(devices, r.deviceId) ?? r.channel.address}
        {r.model ? ` · ${r.model}` : ''}
        <br />
        <span className="hint">by {protocolLabel(r.channel.protocol)}</span>
      </td>
      <td data-testid="site-plan-account">
        <span className="mono">{account.username}</span>
        {account.added && (
          <>
            <br />
            <span className="tag" data-testid="site-plan-account-added">
              added to this run
            </span>
          </>
        )}
      </td>
      <td data-testid="site-plan-state">
        <Status tone={state.tone}>{state.word}</Status>
        {state.note && <span className="hint state-note">{state.note}</span>}
      </td>
      <td>
        <b>{actionLabel(r, view.camerasOnly === true)}</b>
        <br />
        <span className="hint">{rowWhy(r, view.writePath)}</span>
      </td>
    </tr>
  );
}

/** Whether the app can store passwords on this NVR, said before Save: sealed, readable on the wire, or not at all and why. */
function WritePath({ view }: { view: SitePlanView }) {
  const v = writePathVerdict(view.writePath, view.camerasOnly === true);
  return (
    <div className={`write-path t-${v.tone}`} data-testid="site-write-path" data-ok={String(view.writePath.ok)}>
      <Status tone={v.tone}>{v.word}</Status> <span>{v.text}</span>
      {v.nextStep && <p className="hint">Next: {v.nextStep}</p>}
    </div>
  );
}

/**
 * Where the NVR cannot be written: the choice to change the cameras anyway,
 * which stops their channels recording — said before it is chosen, and again,
 * louder, once it is.
 */
function CamerasOnly({ view, warning, busy, onChoose }: { view: SitePlanView; warning: RefObject<HTMLDivElement | null>; busy: boolean; onChoose(on: boolean): void }) {
  const { offered, stops } = camerasOnlyChoice(view);
  if (!offered) return null;
  const none = 'their channels (disabled on the NVR now) stay off';
  if (view.camerasOnly) {
    return (
      // Keyed apart from the offer, so its button is not the offer's button reused (focus follows the choice, not the old button).
      <div key="chosen" className="cameras-only chosen" ref={warning} tabIndex={-1} data-testid="site-cameras-only-warning">
        <p>
          <Status tone="bad">Stops recording</Status> Cameras only: after Save {stops.length ? `${channelList(stops)} STOP RECORDING` : none}, and the NVR’s retries with the old password may lock those cameras, until you
          enter the new password for each on the NVR’s Remote Device page.
        </p>
        <button type="button" onClick={() => onChoose(false)} disabled={busy} data-testid="site-cameras-only-undo">
          Do not change those cameras
        </button>
      </div>
    );
  }
  return (
    <div key="offer" className="cameras-only" data-testid="site-cameras-only-choice">
      <p id="site-cameras-only-why" className="hint">
        Or change the cameras anyway (cameras only): {stops.length ? `${channelList(stops)} would stop recording` : none} until the new password is entered for each on the NVR’s Remote Device page.
      </p>
      <button type="button" onClick={() => onChoose(true)} disabled={busy} aria-describedby="site-cameras-only-why" data-testid="site-cameras-only">
        Cameras only…
      </button>
    </div>
  );
}
