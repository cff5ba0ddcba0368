import type { RefObject } from 'react';
import type { SitePlanView } from '../../../common/contract/site';
import type { InventoryDevice } from '../../../common/domain/device';
import { cameraName } from './Board';

export type Target = { xaddr: string; username: string; deviceId?: string };
export type Plan = { view: SitePlanView; targets: Target[]; secrets: { currentPasswords: string[]; newPassword?: string; caseId?: string } };

const ACTION: Record<SitePlanView['rows'][number]['action']['kind'], string> = {
  'nvr-own-sync': "Nothing: the NVR's own sync",
  'change-camera-then-nvr': 'Change the camera, then the NVR',
  'update-nvr-only': "Update the NVR's stored password",
  cannot: 'Cannot',
};

/** The plan per channel, before anything changes: Save or Cancel, as on the NVR's own prompt. */
export function PlanView({ plan, devices, heading, busy, onSave, onCancel }: {
  plan: Plan;
  devices: Map<string, InventoryDevice>;
  heading: RefObject<HTMLHeadingElement | null>;
  busy: boolean;
  onSave(): void;
  onCancel(): void;
}) {
  return (
    <div role="dialog" aria-label="Site plan" aria-describedby="site-plan-q" data-testid="site-plan-view">
      <h4 ref={heading} tabIndex={-1} data-focus-home="">
        The plan for the NVR at {plan.view.nvr}
      </h4>
      <p id="site-plan-q">Sync this password to the cameras and to the NVR's stored passwords? Nothing changes before you press Save.</p>
      <table>
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col">Camera</th>
            <th scope="col">Protocol</th>
            <th scope="col">Account</th>
            <th scope="col">Online</th>
            <th scope="col">The app will</th>
          </tr>
        </thead>
        <tbody>
          {plan.view.rows.map((r) => (
            <tr key={r.channel.channel} data-testid="site-plan-row">
              <td>
                {r.channel.channel} {r.channel.name}
              </td>
              <td>
                {cameraName(devices, r.deviceId) ?? r.channel.address}
                {r.model ? ` · ${r.model}` : ''}
              </td>
              <td>{r.channel.protocol}</td>
              <td>{r.channel.username}</td>
              <td>{r.channel.online ? 'yes' : 'no'}</td>
              <td>
                <b>{ACTION[r.action.kind]}</b>
                <br />
                <span className="hint">{r.why}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {plan.view.unusedCameras.length > 0 && (
        <p className="hint">Chosen cameras no channel records (their password changes too): {plan.view.unusedCameras.map((c) => c.xaddr).join(', ')}</p>
      )}
      <div className="actions">
        <button type="button" className="primary" onClick={onSave} disabled={busy} data-testid="site-save">
          Save
        </button>
        <button type="button" onClick={onCancel} data-testid="site-cancel">
          Cancel
        </button>
      </div>
    </div>
  );
}
