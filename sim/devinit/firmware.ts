import type { KeyKind } from './keys';

/**
 * What a factory-fresh Dahua-family camera's firmware is like, as data: its
 * generation, its RSA key, which methods it has, and the faults a test turns
 * on. sim/devinit/methods.ts reads it; nothing in it is a closure.
 */

export interface DevInitFirmware {
  /**
   * 'newer': `DevInit.setProtocolAgree {"ProtocolEnable":true}` exists and is
   * required before `DevInit.account`; 'older': it answers method not found.
   */
  generation: 'newer' | 'older';
  /**
   * The key `Security.getEncryptInfo` hands out. Only 'rsa-2048' is safe; the
   * others are what a client must refuse before sealing a password with them:
   * 'rsa-512-padded' (a 512-bit modulus written with leading zeros so its hex
   * looks 2048 bits long), 'e1' (E = 1, so "encryption" is the identity and
   * anyone on the wire reads the key), 'e2'/'e3', 'rsa-1024' (factorable today).
   */
  key: KeyKind;
  /** `/OutsideCmd` is there at all (firmware before the init wizard: HTTP 404). */
  outsideCmd: boolean;
  /** `PasswdFind.getDescript` answers without sign-in (once initialised); else method not found. */
  descript: boolean;
  /** DHIP Init bits 6–7. */
  resetSupport: 'supported' | 'not-supported' | 'unknown';
  /** Initialised before the technician came (someone else's password, unknown here). */
  initialised: boolean;
  /**
   * The device's own password rule. 'dahua': 8–32 characters, at least two of
   * upper / lower / digit / special, none of ' " ; : & or space (manuals).
   * 'strict': the same but at least three of the four (some newer firmware).
   */
  passwordRule: 'dahua' | 'strict';
  /** `DevInit.account` is carried out, then the connection drops before the answer (its web service restarts). */
  dropAfterAccount: boolean;
  /** `DevInit.access` is refused (the wizard tolerates it). */
  refuseAccess: boolean;
  /** Every connection is reset at once (a camera still booting, a wrong address). */
  down: boolean;
  /** RPC2 sign-ins after init: failures before the lock, and the lock's length. */
  lockout: { afterFailures: number; lockMs: number };
}

export const DEFAULT_FIRMWARE: DevInitFirmware = {
  generation: 'newer',
  key: 'rsa-2048',
  outsideCmd: true,
  descript: true,
  resetSupport: 'supported',
  initialised: false,
  passwordRule: 'dahua',
  dropAfterAccount: false,
  refuseAccess: false,
  down: false,
  lockout: { afterFailures: 5, lockMs: 30 * 60_000 },
};

export function firmwareOf(f: Partial<DevInitFirmware> = {}): DevInitFirmware {
  return { ...DEFAULT_FIRMWARE, ...f, lockout: { ...DEFAULT_FIRMWARE.lockout, ...f.lockout } };
}

export type RuleVerdict = 'ok' | 'too-short' | 'too-long' | 'forbidden' | 'categories';

/** The device's own check of a new password (an independent reading of the manuals, not the app's rule). */
export function checkDevicePassword(pwd: string, rule: DevInitFirmware['passwordRule']): RuleVerdict {
  const n = Array.from(pwd).length;
  if (n < 8) return 'too-short';
  if (n > 32) return 'too-long';
  if (/['";:& ]/.test(pwd)) return 'forbidden';
  const kinds = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(pwd)).length;
  return kinds >= (rule === 'strict' ? 3 : 2) ? 'ok' : 'categories';
}
