import type { RefObject } from 'react';
import { deviceLabel } from '../../src/labels';
import { NvrSignInLink } from '../nvr/SignInLink';
import type { NvrLine } from './model';

/**
 * Before Start: what happens on the NVR for each chosen device. The NVR keeps
 * signing in to its cameras with the password it stores; once a camera takes
 * the new one, each of those sign-ins is refused and the camera locks within a
 * minute. With an NVR session, main gives the channel the new password just
 * before the camera takes it; without one, Start waits for a sign-in or for
 * the technician to say no NVR records these devices.
 */
export function InitNvr({ lines, withoutNvr, onWithoutNvr, input }: { lines: NvrLine[] | null; withoutNvr: boolean; onWithoutNvr(v: boolean): void; input: RefObject<HTMLInputElement | null> }) {
  if (!lines) {
    return (
      <fieldset className="init-nvr" data-testid="init-nvr" data-session="none">
        <legend>The NVR</legend>
        <p className="bad">
          No NVR session: the app cannot see whether the NVR records these devices. If it does, it keeps signing in with the old password once a camera is
          initialised, and a Dahua camera locks after about 5 refused sign-ins — well under a minute.
        </p>
        <div className="init-nvr-choice">
          <NvrSignInLink label="Sign in to the NVR first" />
          <span>or</span>
          <label className="inline">
            <input ref={input} type="checkbox" checked={withoutNvr} onChange={(e) => onWithoutNvr(e.target.checked)} data-testid="init-without-nvr" />
            No NVR records these devices (or I close the loop right after)
          </label>
        </div>
      </fieldset>
    );
  }
  return (
    <fieldset className="init-nvr" data-testid="init-nvr" data-session="open">
      <legend>The NVR</legend>
      <ul aria-label="What happens on the NVR">
        {lines.map((l) => (
          <li key={l.device.id} data-testid="init-nvr-line" data-device-id={l.device.id}>
            <b>{deviceLabel(l.device)}</b>: {lineWords(l)}
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

function lineWords(l: NvrLine): string {
  const words: string[] = [];
  if (l.stores.length) words.push(`NVR channel ${l.stores.join(', ')} gets the new password just before the camera takes it, so the NVR never signs in with the old one.`);
  for (const p of l.pauses) words.push(`Channel ${p.channel} signs in as “${p.username}”, an account a new camera does not have: it is paused (disabled on the NVR) so it cannot lock the camera.`);
  return words.length ? words.join(' ') : 'The NVR has no channel for it: nothing to do there.';
}
