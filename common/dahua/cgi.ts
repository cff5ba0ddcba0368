/**
 * Dahua's older HTTP API (`/cgi-bin/…`) answers `key=value` lines such as
 * `table.RemoteDevice[0].VideoInputs[0].Name=Front` or
 * `table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_0.Address=10.0.0.2`.
 * This turns them into the same nested shape the JSON-RPC returns, so one set
 * of parsers serves both. Hostile input: bounded lines and depth, no prototype keys.
 */

export const MAX_CGI_LINES = 20_000;
const MAX_DEPTH = 8;
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

type Node = Record<string, unknown>;

function segments(path: string): string[] | undefined {
  const out: string[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d{1,4}\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d{1,4})\]/g)) out.push(idx[1]!);
  }
  return out.length && out.length <= MAX_DEPTH && !out.some((s) => FORBIDDEN.has(s)) ? out : undefined;
}

/** key=value lines → nested objects (indices become numeric keys); values stay strings except true/false. */
export function parseCgiLines(text: string): Node {
  const root: Node = {};
  const lines = text.split(/\r?\n/, MAX_CGI_LINES + 1).slice(0, MAX_CGI_LINES);
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const path = segments(line.slice(0, eq).trim());
    if (!path) continue;
    const raw = line.slice(eq + 1).slice(0, 1024);
    const value: unknown = raw === 'true' ? true : raw === 'false' ? false : raw;
    let node = root;
    let ok = true;
    for (const key of path.slice(0, -1)) {
      const next = Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
      if (next === undefined) node = node[key] = {} as Node;
      else if (next && typeof next === 'object') node = next as Node;
      else {
        ok = false; // a value where a branch is expected: drop the line
        break;
      }
    }
    const leaf = path[path.length - 1]!;
    if (ok && !(node[leaf] && typeof node[leaf] === 'object')) node[leaf] = value;
  }
  return root;
}

/** `table.<Name>…` of a getConfig answer, or undefined. */
export function cgiTable(text: string, name: string): unknown {
  const t = parseCgiLines(text)['table'];
  return t && typeof t === 'object' ? (t as Node)[name] : undefined;
}

/** getCameraState's `states[n].channel` / `states[n].connectionState` as the RPC's `params`, numbers restored. */
export function cgiCameraStates(text: string): { states: { channel: number; connectionState: string }[] } {
  const s = parseCgiLines(text)['states'];
  const states: { channel: number; connectionState: string }[] = [];
  if (s && typeof s === 'object') {
    for (const v of Object.values(s as Node)) {
      const o = v && typeof v === 'object' ? (v as Node) : {};
      const ch = typeof o['channel'] === 'string' && /^\d{1,4}$/.test(o['channel']) ? Number(o['channel']) : NaN;
      if (Number.isInteger(ch)) states.push({ channel: ch, connectionState: typeof o['connectionState'] === 'string' ? o['connectionState'] : '' });
    }
  }
  return { states };
}

/** Numeric-keyed objects (`x[0]`, `x[1]` lines) as the list the JSON-RPC gives, in index order. */
function listOf(v: unknown): unknown[] | undefined {
  if (!v || typeof v !== 'object') return undefined;
  return Object.entries(v as Node)
    .filter(([k]) => /^\d{1,4}$/.test(k))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, x]) => x);
}

const DIGITS = /^\d{1,4}$/;

/**
 * `LogicDeviceManager.cgi?action=getCameraAll` (`camera[n].UniqueChannel=…`,
 * `camera[n].DeviceInfo.Address=…`) as the RPC's `{camera: [...]}`: channel
 * numbers restored, the cameras' video inputs a list again.
 */
export function cgiCameraList(text: string): { camera: unknown[] } | undefined {
  const cams = listOf(parseCgiLines(text)['camera']);
  if (!cams) return undefined;
  return {
    camera: cams.map((c) => {
      if (!c || typeof c !== 'object') return c;
      const o = { ...(c as Node) };
      for (const k of ['Channel', 'UniqueChannel']) if (typeof o[k] === 'string' && DIGITS.test(o[k])) o[k] = Number(o[k]);
      const info = o['DeviceInfo'];
      if (info && typeof info === 'object') o['DeviceInfo'] = { ...(info as Node), VideoInputs: listOf((info as Node)['VideoInputs']) ?? [] };
      return o;
    }),
  };
}

/** A one-value answer such as `sn=7M0…` or `type=DHI-NVR…`. */
export function cgiValue(text: string, key: string): string {
  const v = parseCgiLines(text)[key];
  return typeof v === 'string' ? v : '';
}
