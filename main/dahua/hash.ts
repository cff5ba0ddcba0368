import { createHash } from 'node:crypto';

const md5Upper = (s: string) => createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();

/**
 * The "Default" login hash of Dahua's web JSON-RPC (global.login, second step):
 * upper(hex(MD5(user:random:upper(hex(MD5(user:realm:password)))))).
 */
export function dahuaDefaultHash(username: string, password: string, realm: string, random: string): string {
  return md5Upper(`${username}:${random}:${md5Upper(`${username}:${realm}:${password}`)}`);
}

const FOLD_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * The "OldDigest" login of older firmware (DOMAIN.md: "an 8-character MD5
 * fold"; DahuaConsole's gen1 hash, after haicen/DahuaHashCreator): the MD5 of
 * the password, its 16 bytes summed in pairs modulo 62, each sum one
 * character of 0-9A-Za-z. Static (no challenge in it), so it is as good as
 * the password on that NVR; ASCII passwords only (see loginProof).
 */
export function dahuaOldDigest(password: string): string {
  const d = createHash('md5').update(password, 'latin1').digest();
  let out = '';
  for (let i = 0; i < d.length; i += 2) out += FOLD_ALPHABET[(d[i]! + d[i + 1]!) % 62];
  return out;
}

/** What the second global.login carries for one `encryption` the challenge named. */
export interface LoginProof {
  password: string;
  authorityType: string;
  passwordType: string;
}

/** Why no proof is made: said in plain words, and nothing is sent (no try is spent). */
export class UnsupportedLogin extends Error {}

// Printable ASCII: where the references disagree on the encoding (latin-1 or UTF-8), another password would be a guess.
const ASCII = /^[\x20-\x7e]*$/;

/**
 * The second step's password field for the login types the public references
 * agree on (DahuaConsole, the dahua-rpc port of the web UI's script):
 * "Default" (challenge–response), "OldDigest" (the fold above), "Basic"
 * (base64 of user:password — readable by anyone on the path, so only over
 * https). Anything else ("WatchNet": one reference, which sends the password
 * itself) is an UnsupportedLogin: never a guessed hash, since a wrong hash is
 * a refused sign-in on the customer's NVR.
 */
export function loginProof(encryption: string, o: { username: string; password: string; realm: string; random: string; https: boolean }): LoginProof {
  const named = encryption.slice(0, 40);
  switch (encryption) {
    case 'Default':
      return { password: dahuaDefaultHash(o.username, o.password, o.realm, o.random), authorityType: 'Default', passwordType: 'Default' };
    case 'OldDigest':
      if (!ASCII.test(o.password)) throw new UnsupportedLogin('the older "OldDigest" sign-in, with a password that is not plain ASCII: the references disagree on how to hash it');
      return { password: dahuaOldDigest(o.password), authorityType: 'OldDigest', passwordType: 'OldDigest' };
    case 'Basic':
      if (!o.https) throw new UnsupportedLogin('the older "Basic" sign-in sends the password readable, and this address is plain http; sign in at the https:// address');
      if (!ASCII.test(o.username) || !ASCII.test(o.password)) throw new UnsupportedLogin('the older "Basic" sign-in, with a user name or password that is not plain ASCII');
      return { password: Buffer.from(`${o.username}:${o.password}`, 'latin1').toString('base64'), authorityType: 'Basic', passwordType: 'Basic' };
    default:
      throw new UnsupportedLogin(`"${named}" sign-in`);
  }
}

/** A `global.login` challenge as the first answer carries it (params and session), both sign-ins' starting point. */
export interface LoginChallenge {
  session: string | number;
  realm: string;
  random: string;
  encryption: string;
}

/** The session id as a device may send one: a short printable string or a positive integer. */
export function sessionId(v: unknown): string | number | undefined {
  if (typeof v === 'string') return v.length > 0 && v.length <= 128 && !/[\x00-\x1f]/.test(v) ? v : undefined;
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/**
 * The challenge's fields, checked (realm and random short strings, a usable
 * session; the method named, "Default" when absent) — or which is wrong, for
 * the caller to say in its own error type (the NVR client's, DevInit's).
 */
export function challengeOf(params: Record<string, unknown> | undefined, session: unknown): LoginChallenge | { problem: 'missing-fields' | 'unnamed-method' } {
  const realm = params?.['realm'];
  const random = params?.['random'];
  const encryption = params?.['encryption'] ?? 'Default';
  const id = sessionId(session);
  if (typeof realm !== 'string' || typeof random !== 'string' || id === undefined || realm.length > 256 || random.length > 256) return { problem: 'missing-fields' };
  if (typeof encryption !== 'string') return { problem: 'unnamed-method' };
  return { session: id, realm, random, encryption };
}

