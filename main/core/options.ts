import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { AppOptions } from './context';

const Ipv4 = z.ipv4();
const Port = z.number().int().min(1).max(65535);

/**
 * Every environment variable the app reads, in one place, each validated once
 * (DEVELOPERS.md lists them). A new variable is one more entry here; code
 * elsewhere reads `ctx.options`, never `process.env`.
 */
const Env = z.object({
  NVR_DATA_DIR: z.string().min(1).optional(),
  NVR_TEST_HOOKS: z.enum(['0', '1']).optional(),
  NVR_CLOCK_OFFSET_MS: z.coerce.number().int().min(0).max(365 * 24 * 3600_000).optional(),
  NVR_INTERFACES: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []))
    .pipe(z.array(Ipv4)),
  NVR_AUTO_UPDATE: z.enum(['0', '1']).optional(),
  NVR_DISCOVERY_PORTS: z
    .string()
    .regex(/^\s*\d{1,5}\s*,\s*\d{1,5}\s*(,\s*\d{1,5}\s*)?$/, 'three port numbers: <wsd>,<ssdp>[,<dhip>]')
    .transform((s) => s.split(',').map((p) => Number(p.trim())))
    .pipe(z.array(Port))
    .transform(([wsd, ssdp, dhip]) => ({ wsd: wsd!, ssdp: ssdp!, ...(dhip !== undefined ? { dhip } : {}) }))
    .optional(),
});

/** NVR_* variables that belong to the launch scripts (scripts/sandbox.sh), not to the app. */
const LAUNCHER_VARIABLES = new Set(['NVR_SANDBOXED', 'NVR_KEYRING']);

/** Where Electron keeps app data (`app.getPath('userData')`), so both hosts share cases. */
export function defaultDataDir(platform = process.platform, env = process.env): string {
  const name = 'NVR Support Console';
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), name);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', name);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), name);
}

export interface ReadOptionsContext {
  /**
   * An installed build (Electron's app.isPackaged, or code loaded from an asar
   * archive): test hooks and clock moves are never honoured there, whatever the
   * environment says.
   */
  packaged?: boolean;
}

/** Options from the environment, validated: a bad or unknown NVR_* value stops the launch with a clear message. */
export function readOptions(env: NodeJS.ProcessEnv = process.env, fallbackDataDir = defaultDataDir(), runtime: ReadOptionsContext = {}): AppOptions {
  const known = new Set(Object.keys(Env.shape));
  const unknown = Object.keys(env).filter((k) => k.startsWith('NVR_') && !known.has(k) && !LAUNCHER_VARIABLES.has(k));
  if (unknown.length) {
    throw new Error(`Invalid environment: unknown variable ${unknown.join(', ')} (the app reads ${[...known].join(', ')}; see DEVELOPERS.md).`);
  }
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid environment: ${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  return {
    dataDir: e.NVR_DATA_DIR ?? fallbackDataDir,
    testHooks: e.NVR_TEST_HOOKS === '1' && !runtime.packaged,
    clockOffsetMs: runtime.packaged ? 0 : (e.NVR_CLOCK_OFFSET_MS ?? 0),
    interfaces: e.NVR_INTERFACES,
    autoUpdate: e.NVR_AUTO_UPDATE === '1',
    // Only the demo entry (demo/) starts the simulated site; no variable can.
    embeddedSim: false,
    ...(e.NVR_DISCOVERY_PORTS ? { discoveryPorts: e.NVR_DISCOVERY_PORTS } : {}),
  };
}

/** True when this code was loaded from an installed app's archive (browser host, CLI). */
export function loadedFromArchive(moduleUrl: string): boolean {
  return /[\\/]app\.asar[\\/]/.test(decodeURIComponent(moduleUrl));
}
