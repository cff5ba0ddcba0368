import type { UserEntry } from './port';

/**
 * What a run learnt about each camera's accounts, for changing an account that
 * may not change itself. ONVIF lets only an Administrator call SetUser (DOMAIN.md),
 * so an Operator account — the one an NVR often signs in with — is changed by an
 * Administrator account of the same camera that this run proved: it signed in,
 * the camera lists it as an Administrator, and the password it holds now is
 * known (the one it signed in with, or the new one once its own change was
 * verified). Memory only, like the run's passwords; runs opened as steps of
 * another (close-the-loop's extra accounts and rollbacks) share the registry.
 *
 * A run resumed after a crash knows from its journal which accounts ended
 * holding the new password, but not what the camera says now: such an account
 * is only a hint, signed in with (and so proven) before it changes anything.
 */

/** An account of a camera and the password it holds. */
export interface AdminCredential {
  username: string;
  password: string;
}

interface CameraRecord {
  /** The camera's accounts and levels, as an Administrator's GetUsers listed them in this run. */
  users?: UserEntry[];
  /** An Administrator this run proved, with the password it holds now. */
  admin?: AdminCredential;
  /** Accounts the journal says hold the run's new password (not proven in this process). */
  hints: AdminCredential[];
  /** How long the camera took to apply an earlier account's change (its other accounts wait as long). */
  applyDelayMs?: number;
}

export class Administrators {
  private readonly cameras = new Map<string, CameraRecord>();

  private of(device: string): CameraRecord {
    let r = this.cameras.get(device);
    if (!r) this.cameras.set(device, (r = { hints: [] }));
    return r;
  }

  users(device: string): UserEntry[] | undefined {
    return this.cameras.get(device)?.users;
  }

  noteUsers(device: string, users: readonly UserEntry[]): void {
    this.of(device).users = users.map((u) => ({ ...u }));
  }

  admin(device: string): AdminCredential | undefined {
    return this.cameras.get(device)?.admin;
  }

  /** This account signed in as an Administrator and holds `password` now. */
  prove(device: string, admin: AdminCredential): void {
    const r = this.of(device);
    r.admin = { ...admin };
    r.hints = r.hints.filter((h) => h.username !== admin.username);
  }

  /** What this account holds is no longer known (a change sent and not verified, a refused sign-in). */
  forget(device: string, username: string): void {
    const r = this.cameras.get(device);
    if (!r) return;
    if (r.admin?.username === username) delete r.admin;
    r.hints = r.hints.filter((h) => h.username !== username);
  }

  /** The journal says this account holds `password`: worth one sign-in, never trusted without it. */
  hint(device: string, candidate: AdminCredential): void {
    const r = this.of(device);
    if (r.admin?.username === candidate.username || r.hints.some((h) => h.username === candidate.username)) return;
    r.hints.push({ ...candidate });
  }

  hints(device: string): AdminCredential[] {
    return [...(this.cameras.get(device)?.hints ?? [])];
  }

  applyDelay(device: string): number | undefined {
    return this.cameras.get(device)?.applyDelayMs;
  }

  noteApplyDelay(device: string, ms: number): void {
    const r = this.of(device);
    r.applyDelayMs = Math.max(r.applyDelayMs ?? 0, ms);
  }
}

/** The level a users list gives this account (exact name first, then ignoring case, as cameras differ). */
export function levelIn(users: readonly UserEntry[] | undefined, username: string): string | undefined {
  if (!users) return undefined;
  const user = users.find((u) => u.username === username) ?? users.find((u) => u.username.toLowerCase() === username.toLowerCase());
  return user?.userLevel;
}

export const ADMINISTRATOR = 'Administrator';
