import { z } from 'zod';
import { call, event } from './define';

export const HostKind = z.enum(['electron', 'browser', 'cli']);

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  host: HostKind,
  dataDir: z.string(),
  /** Milliseconds the app clock is ahead of the wall clock (tests move time with it). */
  clockOffsetMs: z.number(),
  now: z.number(),
  testHooks: z.boolean(),
  /** `npm run demo`: mail to support stays inside the demo (its stand-in mailbox), never reaches the vendor. */
  demo: z.boolean().optional(),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const ExternalUrlInput = z.object({ url: z.string().max(64 * 1024) });

export const appCalls = {
  'app.info': call(z.void(), AppInfo, 'Who and where the app is, and the app clock.'),
  'app.openExternal': call(
    ExternalUrlInput,
    z.object({ opened: z.literal(true) }),
    'Opens an allow-listed URL (vendor support mailto:, vendor help https:) with the OS handler.',
  ),
  'app.advanceClock': call(
    z.object({ ms: z.number().int().min(0).max(30 * 24 * 3600_000) }),
    z.object({ clockOffsetMs: z.number() }),
    'Test hook: moves the app clock forward. Refused unless the app was started with test hooks.',
  ),
} as const;

export const appEvents = {
  'app.notice': event(
    z.object({ level: z.enum(['info', 'warning', 'error']), message: z.string(), at: z.number() }),
    'Something the technician should see (e.g. a store file moved aside, a deadline approaching).',
  ),
  'app.clock': event(
    z.object({ clockOffsetMs: z.number(), now: z.number() }),
    'The app clock moved (test hooks): deadlines and countdowns re-read it from here, no polling.',
  ),
  'app.externalOpened': event(z.object({ url: z.string() }), 'Test hook: a URL the host handed to the OS.'),
} as const;
