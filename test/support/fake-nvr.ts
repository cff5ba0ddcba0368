import { constants, createCipheriv, createDecipheriv, createHash, generateKeyPairSync, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { obj } from '../../common/json';

/**
 * A test double of a Dahua NVR's web JSON-RPC for this folder's unit tests
 * (only tests import it; sim/nvr is the site's real simulator, written apart).
 * Two personalities from DOMAIN.md: 'ldm' (newer firmware: getEncryptInfo,
 * sealed secGetCameraAll/secSetCamera, the plain getCameraAll with masked
 * passwords, a RemoteDevice read that is refused) and 'table' (older firmware:
 * configManager RemoteDevice only). Stored passwords live here as the NVR's
 * state; every request is logged as sent (raw body), for tests that grep it.
 * Risky guesses are punished: a table write with a masked or empty password
 * stores it as written; a sealed call under a weak key is counted.
 */

export interface FakeCamera {
  enable: boolean;
  address: string;
  port: number;
  username: string;
  password: string;
  protocol: string;
  /** The slot's own Name (DeviceInfo.Name / the table's Name). */
  name: string;
  /** Its video input's name, when it differs from `name` (the NVR's screens show this one). */
  inputName?: string;
}

export interface FakeFaults {
  /** Methods answered with this JSON-RPC error code instead of being carried out. */
  refuse: Record<string, number>;
  /** Methods carried out, then the connection dropped without an answer. */
  drop: readonly string[];
  /** Methods carried out and never answered. */
  stall: readonly string[];
  /** secSetCamera's opened answer: per camera (default), `{"result":true}` only, or junk. */
  setAnswer: 'per-camera' | 'result-only' | 'junk' | 'unsealed';
  /** Channels (1-based) secSetCamera refuses inside its answer (failedCode 1), keeping them as they were. */
  refuseInside: readonly number[];
  /** The stored passwords come back masked in the sealed read too. */
  maskSealed: boolean;
  /** The table read masks passwords (some firmware). */
  maskTable: boolean;
}

export interface FakeNvrOptions {
  address: string;
  personality: 'ldm' | 'table';
  /** How the table keys its slots (older firmware: a list; newer: `uuid:System_CONFIG_NETCAMERA_INFO_<n>`). */
  slotStyle?: 'indexed' | 'uuid';
  cameras: FakeCamera[];
  /** Extra unused slots (Address 192.168.0.0) after the cameras. */
  unusedSlots?: number;
  /** getEncryptInfo's `pub` (for weak-key tests); default a fresh 2048-bit key the fake can open. */
  pub?: string;
  faults?: Partial<FakeFaults>;
  password?: string;
}

export interface LoggedRequest {
  method: string;
  raw: string;
}

export interface FakeNvr {
  url: string;
  cameras: FakeCamera[];
  faults: FakeFaults;
  requests: LoggedRequest[];
  /** The secSetCamera bodies as the fake opened them. */
  sealedWrites: unknown[];
  stop(): Promise<void>;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();
const REALM = 'Login to FAKE0001';
/** A request's fields, or none: the fake reads hostile test input the same way the client does. */
const fields = (v: unknown): Record<string, unknown> => obj(v) ?? {};
const IV = Buffer.from('0000000000000000');

function makeKey(): { pub: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const hex = (b: string) => Buffer.from(b, 'base64url').toString('hex').toUpperCase();
  return { pub: `N:${hex(jwk.n!)},E:${hex(jwk.e!)}`, privateKey };
}

function aes(cipher: string, key: Buffer, data: Buffer, decrypt: boolean): Buffer {
  const algorithm = cipher === 'AES-128' ? 'aes-128-ecb' : 'aes-256-cbc';
  const iv = algorithm === 'aes-128-ecb' ? null : IV;
  const c = decrypt ? createDecipheriv(algorithm, key, iv) : createCipheriv(algorithm, key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

/** Opens a sealed request (raw RSA, then the PKCS#1 v1.5 block by hand), or throws. */
function open(privateKey: KeyObject, p: Record<string, unknown>): { key: Buffer; cipher: string; body: unknown } {
  const em = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, Buffer.from(String(p['salt']), 'hex'));
  const sep = em.indexOf(0, 2);
  if (em[0] !== 0 || em[1] !== 2 || sep < 10) throw new Error('bad salt');
  const key = em.subarray(sep + 1);
  const cipher = String(p['cipher']);
  const plain = aes(cipher, key, Buffer.from(String(p['content']), 'base64'), true);
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  return { key, cipher, body: JSON.parse(plain.subarray(0, end).toString('utf8')) };
}

function sealAnswer(body: unknown, key: Buffer, cipher: string): string {
  const plain = Buffer.from(JSON.stringify(body), 'utf8');
  return aes(cipher, key, Buffer.concat([plain, Buffer.alloc((16 - (plain.length % 16)) % 16)]), false).toString('base64');
}

/** A camera as newer firmware lists it (DOMAIN.md "Newer firmware"). */
function cameraObject(c: FakeCamera, i: number, password: string | undefined): Record<string, unknown> {
  return {
    Channel: i,
    UniqueChannel: i,
    DeviceID: `uuid:System_CONFIG_NETCAMERA_INFO_${i}`,
    Type: 'Remote',
    Enable: c.enable,
    VideoStream: 'Main',
    DeviceInfo: {
      Address: c.address, Port: c.port, HttpPort: 80, RtspPort: 554, UserName: c.username,
      ...(password !== undefined ? { Password: password } : {}),
      ProtocolType: c.protocol, DeviceType: 'IPC-FAKE', Name: c.name, SerialNo: `SN${i}`, VideoInputChannels: 1,
      VideoInputs: [{ Enable: true, Name: c.inputName ?? c.name, ServiceType: 'AUTO' }],
    },
  };
}

type Answer = { params?: unknown; result?: unknown } | { code: number };
type Method = (p: Record<string, unknown>) => Answer;

/** What every handler of the fake works on. */
interface Fake {
  o: FakeNvrOptions;
  faults: FakeFaults;
  /** The private half, when the fake made the key (undefined with a weak `pub` it cannot open). */
  key?: { pub: string; privateKey: KeyObject };
  pub: string;
  cameras: FakeCamera[];
  requests: LoggedRequest[];
  sealedWrites: unknown[];
  random: string;
}

const UNUSED_SLOT = { Enable: false, Address: '192.168.0.0', Port: 37777, UserName: 'admin', Password: '', ProtocolType: 'Private', Name: '' };
const REFUSED = 268894209;

const unusedCount = (f: Fake) => f.o.unusedSlots ?? 0;

function tableOf(f: Fake): unknown {
  const slots = [
    ...f.cameras.map((c) => ({ Enable: c.enable, Address: c.address, Port: c.port, UserName: c.username, Password: f.faults.maskTable ? '******' : c.password, ProtocolType: c.protocol, Name: c.name, VideoInputs: [{ Enable: true, Name: c.inputName ?? c.name }] })),
    ...Array.from({ length: unusedCount(f) }, () => UNUSED_SLOT),
  ];
  return f.o.slotStyle === 'uuid' ? Object.fromEntries(slots.map((v, i) => [`uuid:System_CONFIG_NETCAMERA_INFO_${i}`, v])) : slots;
}

function listOf(f: Fake, mask: boolean): Record<string, unknown>[] {
  const empty: FakeCamera = { enable: false, address: '', port: 0, username: '', password: '', protocol: 'Private', name: '' };
  return [...f.cameras.map((c, i) => cameraObject(c, i, mask ? '******' : c.password)), ...Array.from({ length: unusedCount(f) }, (_, j) => cameraObject(empty, f.cameras.length + j, ''))];
}

/** One written camera or slot, as an NVR that replaces the whole slot stores it: a mask or an omitted password is stored as written. */
function store(c: FakeCamera | undefined, v: Record<string, unknown>, enable: unknown): void {
  if (!c) return;
  if (typeof enable === 'boolean') c.enable = enable;
  c.password = typeof v['Password'] === 'string' ? v['Password'] : '';
  if (typeof v['UserName'] === 'string') c.username = v['UserName'];
  if (typeof v['Name'] === 'string') c.name = v['Name'];
}

/** Opens a sealed call, runs `f` on its body and seals the answer with the caller's key (or answers it plain). */
function sealed(f: Fake, p: Record<string, unknown>, run: (body: unknown) => unknown, asSealed = true): Answer {
  if (!f.key) return { code: REFUSED }; // a weak key the fake cannot open; the test counts the call in the log
  let opened;
  try {
    opened = open(f.key.privateKey, p);
  } catch {
    return { code: REFUSED };
  }
  const out = run(opened.body);
  return asSealed ? { params: { content: sealAnswer(out, opened.key, opened.cipher) }, result: true } : { params: out, result: true };
}

/** secSetCamera's body, applied camera by camera; the answer as the faults say. */
function setCamera(f: Fake, body: unknown): unknown {
  f.sealedWrites.push(body);
  const sent = fields(body)['cameras'];
  const verdicts = (Array.isArray(sent) ? sent.map(fields) : []).map((cam) => {
    const uc = cam['UniqueChannel'] as number;
    const refused = f.faults.refuseInside.includes(uc + 1);
    if (!refused) store(f.cameras[uc], fields(cam['DeviceInfo']), cam['Enable']);
    return { UniqueChannel: uc, failedCode: refused ? 1 : 0 };
  });
  if (f.faults.setAnswer === 'result-only') return { result: true };
  if (f.faults.setAnswer === 'junk') return 'ok';
  return verdicts;
}

function setConfig(f: Fake, p: Record<string, unknown>): Answer {
  const t = p['table'];
  const entries: [number, unknown][] = Array.isArray(t) ? t.map((v, i) => [i, v]) : Object.entries(fields(t)).map(([k, v]) => [Number(/_(\d+)$/.exec(k)?.[1]), v]);
  if (p['name'] !== 'RemoteDevice' || !entries.length || entries.some(([i]) => !Number.isInteger(i))) return { code: REFUSED };
  entries.forEach(([i, v]) => store(f.cameras[i], fields(v), fields(v)['Enable']));
  return { params: { options: null }, result: true };
}

/** The method table of one personality. */
function methodsOf(f: Fake): Record<string, Method> {
  const common: Record<string, Method> = {
    'magicBox.getSerialNo': () => ({ params: { sn: 'FAKE0001' }, result: true }),
    'global.logout': () => ({ result: true }),
    'LogicDeviceManager.getCameraState': () => ({ params: { states: f.cameras.map((c, i) => ({ channel: i, connectionState: c.enable ? 'Connected' : 'Unknown' })) }, result: true }),
  };
  if (f.o.personality === 'table') {
    return {
      ...common,
      'configManager.getConfig': (p) => (p['name'] === 'RemoteDevice' ? { params: { table: tableOf(f) }, result: true } : { code: REFUSED }),
      'configManager.setConfig': (p) => setConfig(f, p),
    };
  }
  return {
    ...common,
    'Security.getEncryptInfo': () => ({ params: { asymmetric: 'RSA', cipher: ['AES', 'RPAC'], AESPadding: ['ZERO'], pub: f.pub }, result: true }),
    'LogicDeviceManager.getCameraAll': () => ({ params: { camera: listOf(f, true) }, result: true }),
    'LogicDeviceManager.secGetCameraAll': (p) => sealed(f, p, () => ({ camera: listOf(f, f.faults.maskSealed) })),
    'LogicDeviceManager.secSetCamera': (p) => sealed(f, p, (body) => setCamera(f, body), f.faults.setAnswer !== 'unsealed'),
    // DOMAIN.md: some newer models refuse the RemoteDevice reads; this one refuses them, writes included.
    'configManager.getConfig': () => ({ code: REFUSED }),
    'configManager.setConfig': () => ({ code: REFUSED }),
  };
}

/** /RPC2_Login: the challenge, then the Default hash of admin's password. */
function login(f: Fake, b: Record<string, unknown>): unknown {
  const p = fields(b['params']);
  if (!p['password']) {
    f.random = String(100000000 + Math.floor(Math.random() * 899999999));
    return { error: { code: 268632079 }, params: { encryption: 'Default', random: f.random, realm: REALM }, result: false, session: 'fake-session' };
  }
  const ok = p['password'] === md5(`admin:${f.random}:${md5(`admin:${REALM}:${f.o.password ?? 'Nvr-pass-1'}`)}`);
  return ok ? { params: { keepAliveInterval: 60 }, result: true, session: 'fake-session' } : { error: { code: 268632085 }, params: { remainLoginTimes: 4 }, result: false };
}

function handle(f: Fake, methods: Record<string, Method>, req: IncomingMessage, res: ServerResponse, raw: string): void {
  const b = fields(JSON.parse(raw || '{}'));
  const method = String(b['method']);
  f.requests.push({ method, raw });
  const send = (body: unknown) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.url === '/RPC2_Login') return send(login(f, b));
  const code = f.faults.refuse[method];
  const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
  const a: Answer = code !== undefined ? { code } : handler ? handler(fields(b['params'])) : { code: 268894210 };
  if (f.faults.drop.includes(method)) return void res.socket?.destroy();
  if (f.faults.stall.includes(method)) return;
  send('code' in a ? { error: { code: a.code, message: 'Refused by the fake' }, id: b['id'], result: false, session: b['session'] } : { id: b['id'], ...a, session: b['session'] });
}

export async function startFakeNvr(o: FakeNvrOptions): Promise<FakeNvr> {
  if (!o.address.startsWith('127.')) throw new Error('the fake NVR binds to loopback only');
  const faults: FakeFaults = { refuse: {}, drop: [], stall: [], setAnswer: 'per-camera', refuseInside: [], maskSealed: false, maskTable: false, ...o.faults };
  const key = o.pub ? undefined : makeKey();
  const f: Fake = { o, faults, ...(key ? { key } : {}), pub: o.pub ?? key!.pub, cameras: o.cameras, requests: [], sealedWrites: [], random: '' };
  const methods = methodsOf(f);
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => handle(f, methods, req, res, raw));
  });
  await new Promise<void>((r) => server.listen(0, o.address, r));
  return {
    url: `http://${o.address}:${(server.address() as AddressInfo).port}`,
    cameras: f.cameras,
    faults,
    requests: f.requests,
    sealedWrites: f.sealedWrites,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A fresh random password for a test (no password is written into the tests' sources twice). */
export const testPassword = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
