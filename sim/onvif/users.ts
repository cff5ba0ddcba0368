import { SoapFault } from './soap';

/** User accounts of one simulated device, with Dahua's password rule and delayed-commit behaviour. */

export const USER_LEVELS = ['Administrator', 'Operator', 'User', 'Anonymous', 'Extended'] as const;
const MAX_USERS = 18; // Dahua recorders allow a small fixed number of accounts
const MAX_USERNAME = 31;

interface Account {
  password: string;
  level: string;
  /** A password set while setUserDelayMs > 0: takes over at `at` (device clock). */
  pending?: { password: string; at: number };
}

export type PasswordVerdict = 'ok' | 'too-long' | 'too-weak';

/** Dahua rule (DOMAIN.md): 8–max chars, ≥2 of letters/digits/specials, none of ' " ; : & or whitespace/control. */
export function checkPasswordRule(password: string, maxLength = 32): PasswordVerdict {
  const chars = Array.from(password);
  if (chars.length > maxLength) return 'too-long';
  if (chars.length < 8) return 'too-weak';
  if (/['";:&\s\p{Cc}]/u.test(password)) return 'too-weak';
  let cats = 0;
  if (/\p{L}/u.test(password)) cats++;
  if (/\p{Nd}/u.test(password)) cats++;
  if (/[^\p{L}\p{Nd}]/u.test(password)) cats++;
  return cats >= 2 ? 'ok' : 'too-weak';
}

export interface UserInput {
  username: string;
  password: string;
  userLevel: string;
}

export class UserStore {
  private readonly accounts = new Map<string, Account>();

  constructor(
    initial: UserInput[],
    private readonly now: () => number,
  ) {
    for (const u of initial) this.accounts.set(u.username, { password: u.password, level: u.userLevel });
  }

  private settle(a: Account): Account {
    if (a.pending && this.now() >= a.pending.at) {
      a.password = a.pending.password;
      delete a.pending;
    }
    return a;
  }

  list(): { username: string; userLevel: string }[] {
    return [...this.accounts].map(([username, a]) => ({ username, userLevel: a.level }));
  }

  level(username: string): string | undefined {
    return this.accounts.get(username)?.level;
  }

  /** The password currently in force (Digest needs the plain value to compute HA1). */
  password(username: string): string | undefined {
    const a = this.accounts.get(username);
    return a ? this.settle(a).password : undefined;
  }

  checkPassword(username: string, password: string): boolean {
    return this.password(username) === password;
  }

  /** Whether the account holds this password once any late SetUser lands (tests judge late cameras without waiting). */
  eventuallyHolds(username: string, password: string): boolean {
    const a = this.accounts.get(username);
    return a !== undefined && (a.pending?.password ?? this.settle(a).password) === password;
  }

  /** Direct write for tests and the NVR reset page: no rule, no delay. */
  setPassword(username: string, password: string): void {
    const a = this.accounts.get(username);
    if (a) {
      a.password = password;
      delete a.pending;
    } else this.accounts.set(username, { password, level: 'Administrator' });
  }

  /** ONVIF SetUser semantics: validate every entry first, then apply all (all-or-nothing). */
  setUsers(
    users: UserInput[],
    opts: { maxPasswordLength: number; fixedAdmin: boolean; noop: boolean; delayMs: number; lenient?: boolean },
  ): void {
    for (const u of users) {
      if (!u.username || !this.accounts.has(u.username)) {
        throw new SoapFault(400, 'Sender', ['InvalidArgVal', 'UsernameMissing'], 'Username not recognized');
      }
      if (opts.fixedAdmin && u.username === 'admin') {
        throw new SoapFault(400, 'Sender', ['InvalidArgVal', 'FixedUser'], 'Password or level of this user may not be changed');
      }
      if (u.userLevel === 'Anonymous') {
        throw new SoapFault(400, 'Sender', ['OperationProhibited', 'AnonymousNotAllowed'], 'Anonymous user level not allowed');
      }
      if (!(USER_LEVELS as readonly string[]).includes(u.userLevel)) {
        throw new SoapFault(400, 'Sender', ['InvalidArgVal'], 'Unknown user level');
      }
      if (!opts.lenient) passwordFault(u.password, opts.maxPasswordLength, 'PasswordTooWeak');
    }
    if (opts.noop) return;
    for (const u of users) {
      const a = this.accounts.get(u.username)!;
      a.level = u.userLevel;
      if (opts.delayMs > 0) a.pending = { password: u.password, at: this.now() + opts.delayMs };
      else {
        a.password = u.password;
        delete a.pending;
      }
    }
  }

  createUsers(users: UserInput[], opts: { maxPasswordLength: number; lenient?: boolean }): void {
    const seen = new Set<string>();
    for (const u of users) {
      const len = Array.from(u.username).length;
      if (len < 1) throw new SoapFault(400, 'Sender', ['OperationProhibited', 'UsernameTooShort'], 'Username too short');
      if (len > MAX_USERNAME) throw new SoapFault(400, 'Sender', ['OperationProhibited', 'UsernameTooLong'], 'Username too long');
      if (this.accounts.has(u.username) || seen.has(u.username)) {
        throw new SoapFault(400, 'Sender', ['OperationProhibited', 'UsernameClash'], 'Username already exists');
      }
      seen.add(u.username);
      if (u.userLevel === 'Anonymous') {
        throw new SoapFault(400, 'Sender', ['OperationProhibited', 'AnonymousNotAllowed'], 'Anonymous user level not allowed');
      }
      if (!(USER_LEVELS as readonly string[]).includes(u.userLevel)) {
        throw new SoapFault(400, 'Sender', ['InvalidArgVal'], 'Unknown user level');
      }
      // CreateUsers spells the weak-password subcode ter:Password (ONVIF Core).
      if (!opts.lenient) passwordFault(u.password, opts.maxPasswordLength, 'Password');
    }
    if (this.accounts.size + users.length > MAX_USERS) {
      throw new SoapFault(500, 'Receiver', ['Action', 'TooManyUsers'], 'Maximum number of users reached');
    }
    for (const u of users) this.accounts.set(u.username, { password: u.password, level: u.userLevel });
  }
}

function passwordFault(password: string, max: number, weakSubcode: string): void {
  const v = checkPasswordRule(password, max);
  if (v === 'too-long') throw new SoapFault(400, 'Sender', ['OperationProhibited', 'PasswordTooLong'], 'Password too long');
  if (v === 'too-weak') throw new SoapFault(400, 'Sender', ['OperationProhibited', weakSubcode], 'Password too weak');
}
