/* eslint-disable @typescript-eslint/no-explicit-any -- raw JSON answers, checked field by field by the tests */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

/**
 * A raw JSON client for the simulator's own tests, written from DOMAIN.md and the public
 * clients (not from main/, and not from the simulator's handlers), so the simulated NVR is
 * checked by a second reading of the same notes.
 */

export type Json = Record<string, any>;

export async function post(url: string, path: string, body: unknown): Promise<Json & { httpStatus: number }> {
  const res = await fetch(url + path, { method: 'POST', body: JSON.stringify(body), redirect: 'manual' });
  return { ...((await res.json()) as Json), httpStatus: res.status };
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex').toUpperCase();

/** Step two's password per `encryption`, as dahua-rpc's getAuth and DahuaConsole compute it. */
export function authFor(encryption: string, user: string, password: string, random: string, realm: string): string {
  if (encryption === 'Basic') return Buffer.from(`${user}:${password}`).toString('base64');
  if (encryption === 'WatchNet') return password;
  if (encryption === 'OldDigest') {
    const d = createHash('md5').update(password, 'latin1').digest();
    const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    return Array.from({ length: 8 }, (_, i) => chars[(d[2 * i]! + d[2 * i + 1]!) % 62]).join('');
  }
  return md5(`${user}:${random}:${md5(`${user}:${realm}:${password}`)}`);
}

/** Both steps of global.login; `first` is the challenge as it came. */
export async function login(url: string, user: string, password: string): Promise<{ first: Json; second: Json }> {
  const first = await post(url, '/RPC2_Login', { method: 'global.login', params: { userName: user, password: '', clientType: 'Web3.0', loginType: 'Direct' }, id: 1 });
  const { realm, random, encryption } = first['params'] ?? {};
  const second = await post(url, '/RPC2_Login', {
    method: 'global.login',
    params: {
      userName: user, password: authFor(encryption, user, password, random, realm), clientType: 'Web3.0',
      loginType: encryption === 'WatchNet' ? 'WatchNet' : 'Direct', authorityType: encryption, passwordType: 'Default',
    },
    id: 2,
    session: first['session'],
  });
  return { first, second };
}

/** A signed-in caller of /RPC2. */
export async function session(url: string, user: string, password: string): Promise<(method: string, params?: unknown) => Promise<Json>> {
  const { second } = await login(url, user, password);
  if (second['result'] !== true) throw new Error(`login refused: ${JSON.stringify(second['error'])}`);
  let id = 100;
  return (method, params = null) => post(url, '/RPC2', { method, params, id: id++, session: second['session'] });
}

/** N and E of "N:<hex>,E:<hex>" as numbers. */
function publicNumbers(pub: string): { n: bigint; e: bigint } {
  const parts = Object.fromEntries(pub.split(',').map((p) => p.split(':') as [string, string]));
  return { n: BigInt(`0x${parts['N']}`), e: BigInt(`0x${parts['E']}`) };
}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  for (b %= m; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}

/**
 * hex(RSA-PKCS#1 v1.5(key)) by hand with the modulus's real size (its value, not the length of
 * its hex), so the same code seals with any key the NVR hands out, weak ones included.
 */
export function rsaSalt(pub: string, key: Buffer): string {
  const { n, e } = publicNumbers(pub);
  const k = Math.ceil(n.toString(16).length / 2);
  const ps = Buffer.alloc(k - 3 - key.length, 0x5a);
  const m = BigInt(`0x${Buffer.concat([Buffer.from([0, 2]), ps, Buffer.from([0]), key]).toString('hex')}`);
  return modPow(m, e, n).toString(16).padStart(k * 2, '0');
}

export type TestCipher = 'RPAC-256' | 'AES-128';

/** The caller's side of the seal (DOMAIN.md "The seal"); `open` reads the sealed answer with the same key. */
export function seal(pub: string, body: unknown, cipher: TestCipher, o: { key?: string; plain?: Buffer } = {}) {
  const key = o.key ?? (cipher === 'AES-128' ? '0123456789012345' : '01234567890123456789012345678901');
  const salt = rsaSalt(pub, Buffer.from(key));
  const plain = o.plain ?? Buffer.from(JSON.stringify(body));
  const padded = Buffer.concat([plain, Buffer.alloc((16 - (plain.length % 16)) % 16)]);
  const [algorithm, iv] = cipher === 'AES-128' ? (['aes-128-ecb', null] as const) : (['aes-256-cbc', Buffer.from('0000000000000000')] as const);
  const c = createCipheriv(algorithm, Buffer.from(key), iv);
  c.setAutoPadding(false);
  const open = (content: string): any => {
    const d = createDecipheriv(algorithm, Buffer.from(key), iv);
    d.setAutoPadding(false);
    return JSON.parse(Buffer.concat([d.update(Buffer.from(content, 'base64')), d.final()]).toString('utf8').replace(/\0+$/, ''));
  };
  return { params: { salt, cipher, content: Buffer.concat([c.update(padded), c.final()]).toString('base64') }, open };
}

/** A sealed call and its opened answer (`answer` undefined when the NVR refused). */
export async function sealedCall(call: (m: string, p?: unknown) => Promise<Json>, method: string, body: unknown, cipher: TestCipher = 'RPAC-256') {
  const { pub } = (await call('Security.getEncryptInfo')).params;
  const env = seal(pub, body, cipher);
  const raw = await call(method, env.params);
  return { raw, answer: raw['result'] === true ? env.open(raw['params'].content) : undefined };
}
