import { constants, createCipheriv, createHash, createPublicKey, publicEncrypt } from 'node:crypto';
import { request } from 'node:http';

/**
 * A bare wire client for the simulated factory-fresh camera's own tests (used by them only):
 * raw JSON POSTs and a seal written here from DOMAIN.md, so the simulator is
 * checked without the app's client (main/dahua/devinit.ts) in the loop.
 */

export interface WireAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One POST; resolves with the status and parsed body, or rejects when the connection drops. */
export function post(url: string, path: string, body: unknown): Promise<WireAnswer> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          parsed = { raw };
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** `/OutsideCmd` call without a session, as the web wizard sends most of them. */
export const outside = (url: string, method: string, params: unknown = null, extra: Record<string, unknown> = {}) => post(url, '/OutsideCmd', { method, params, id: 1, ...extra });

/** `{salt, cipher, content}` for `params` under the device's `pub` ("N:<hex>,E:<hex>"): RPAC-256. */
export function sealFor(pub: string, params: unknown): { salt: string; cipher: string; content: string } {
  const part = (k: string) => /[0-9A-F]+/i.exec(pub.split(',').find((p) => p.startsWith(`${k}:`))!.slice(2))![0];
  const b64u = (h: string) => Buffer.from(h.length % 2 ? `0${h}` : h, 'hex').toString('base64url');
  const key = Array.from({ length: 32 }, (_, i) => String((i * 7 + 3) % 10)).join('');
  const rsa = createPublicKey({ key: { kty: 'RSA', n: b64u(part('N')), e: b64u(part('E')) }, format: 'jwk' });
  const salt = publicEncrypt({ key: rsa, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(key)).toString('hex');
  const plain = Buffer.from(JSON.stringify(params));
  const c = createCipheriv('aes-256-cbc', Buffer.from(key), Buffer.from('0000000000000000'));
  c.setAutoPadding(false);
  const content = Buffer.concat([c.update(Buffer.concat([plain, Buffer.alloc((16 - (plain.length % 16)) % 16)])), c.final()]).toString('base64');
  return { salt, cipher: 'RPAC-256', content };
}

/** The pub of the device at `url`. */
export async function pubOf(url: string): Promise<string> {
  const r = await outside(url, 'Security.getEncryptInfo');
  return (r.body['params'] as { pub: string }).pub;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex').toUpperCase();

/** The two-step Default-hash sign-in of `admin` (DOMAIN.md, "Web JSON-RPC"): the second answer, or the first when it was no challenge. */
export async function rpcLogin(url: string, password: string): Promise<WireAnswer> {
  const first = await post(url, '/RPC2_Login', { method: 'global.login', params: { userName: 'admin', password: '', clientType: 'Web3.0', loginType: 'Direct' }, id: 1 });
  const err = first.body['error'] as { code?: number } | undefined;
  if (err?.code !== 268632079) return first;
  const p = first.body['params'] as { realm: string; random: string };
  const hash = md5(`admin:${p.random}:${md5(`admin:${p.realm}:${password}`)}`);
  return post(url, '/RPC2_Login', { method: 'global.login', params: { userName: 'admin', password: hash, clientType: 'Web3.0', loginType: 'Direct', authorityType: 'Default', passwordType: 'Default' }, id: 2, session: first.body['session'] });
}
