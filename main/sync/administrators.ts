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
 * is only a hint, signed in with (and so proven) before it changes anything. A
 * rollback run (close-the-loop putting an account back) gets the accounts of the
 * run it is a step of as hints too, with that run's passwords, for when it runs
 * before their turn (a channel an earlier run left paused).
 */

/** An account of a camera and the password it holds. */
export interface AdminCredential {
  username: string;
  password: string;
}

/** An account that may be an Administrator, and the passwords it may hold, likeliest first. */
export interface AdminHint {
  username: string;
  passwords: string[];
}

interface CameraRecord {
  /** The camera's accounts and levels, as an Administrator's GetUsers listed them in this run. */
  users?: UserEntry[];
  /** An Administrator this run proved, with the password it holds now. */
  admin?: AdminCredential;
  /** Accounts that may be Administrators, with the passwords they may hold (not proven in this process). */
  hints: AdminHint[];
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

  /** This account may hold one of these passwords: worth a sign-in each (budget allowing), never trusted without it. */
  hint(device: string, candidate: AdminHint): void {
    const r = this.of(device);
    if (r.admin?.username === candidate.username) return;
    const had = r.hints.find((h) => h.username === candidate.username);
    if (had) had.passwords = [...new Set([...had.passwords, ...candidate.passwords])];
    else r.hints.push({ username: candidate.username, passwords: [...new Set(candidate.passwords)] });
  }

  hints(device: string): AdminHint[] {
    return (this.cameras.get(device)?.hints ?? []).map((h) => ({ ...h, passwords: [...h.passwords] }));
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
