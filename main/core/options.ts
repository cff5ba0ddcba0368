import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { AppOptions } from './context';

const Ipv4 = z.ipv4();
const Port = z.number().int().min(1).max(65535);

const Env = z.object({
  NVR_DATA_DIR: z.string().min(1).optional(),
  NVR_TEST_HOOKS: z.enum(['0', '1']).optional(),
  NVR_CLOCK_OFFSET_MS: z.coerce.number().int().min(0).max(365 * 24 * 3600_000).optional(),
  NVR_INTERFACES: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []))
    .pipe(z.array(Ipv4)),
  NVR_EMBEDDED_SIM: z.enum(['0', '1']).optional(),
  NVR_DISCOVERY_PORTS: z
    .string()
    .regex(/^\s*\d{1,5}\s*,\s*\d{1,5}\s*(,\s*\d{1,5}\s*)?$/, 'three port numbers: <wsd>,<ssdp>[,<dhip>]')
    .transform((s) => s.split(',').map((p) => Number(p.trim())))
    .pipe(z.array(Port))
    .transform(([wsd, ssdp, dhip]) => ({ wsd: wsd!, ssdp: ssdp!, ...(dhip !== undefined ? { dhip } : {}) }))
    .optional(),
});

/** Where Electron keeps app data (`app.getPath('userData')`), so both hosts share cases. */
export function defaultDataDir(platform = process.platform, env = process.env): string {
  const name = 'NVR Support Console';
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), name);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', name);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), name);
}

/** Options from the environment, validated: a bad value stops the launch with a clear message. */
export function readOptions(env: NodeJS.ProcessEnv = process.env, fallbackDataDir = defaultDataDir()): AppOptions {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid environment: ${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  const embeddedSim = e.NVR_EMBEDDED_SIM === '1';
  return {
    dataDir: e.NVR_DATA_DIR ?? fallbackDataDir,
    testHooks: e.NVR_TEST_HOOKS === '1',
    clockOffsetMs: e.NVR_CLOCK_OFFSET_MS ?? 0,
    // The simulated site lives on loopback: discovery must run there, never on a real adapter.
    interfaces: e.NVR_INTERFACES.length ? e.NVR_INTERFACES : embeddedSim ? ['127.0.0.1'] : [],
    embeddedSim,
    ...(e.NVR_DISCOVERY_PORTS ? { discoveryPorts: e.NVR_DISCOVERY_PORTS } : {}),
  };
}
