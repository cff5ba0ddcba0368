import { z } from 'zod';

/**
 * A reset case: one NVR's forgot-password procedure, which can take two days.
 * Holds times and choices only — never the security code or the password
 * (those live in memory and the OS keychain).
 */
export const STEPS = ['forgot', 'email', 'qr', 'send', 'code', 'password', 'sync', 'done'] as const;
export const Step = z.enum(STEPS);
export type Step = z.infer<typeof Step>;

export const STEP_TITLES: Record<Step, string> = {
  forgot: 'Forgot password',
  email: 'Registered email',
  qr: 'QR code',
  send: 'Send to support',
  code: 'Security code',
  password: 'New password',
  sync: 'Sync prompt',
  done: 'Done',
};

export const HOUR = 3600_000;
export const DELIVERY_WINDOW_MS = 24 * HOUR;
export const CODE_VALIDITY_MS = 24 * HOUR;
export const CODE_ENTRY_LIMIT = 5;
export const CODE_LOCK_MS = 5 * 60_000;
export const CODES_PER_QR = 2;
/** Desktop notification this long before a deadline. */
export const WARN_BEFORE_MS = 2 * HOUR;

export const NvrRef = z.object({
  label: z.string().min(1).max(200),
  deviceId: z.string().max(200).optional(),
  serial: z.string().max(100).optional(),
  model: z.string().max(100).optional(),
  address: z.string().max(100).optional(),
  /** Hardware identities besides the serial, so the same NVR is recognised whichever form the inventory's row id took. */
  mac: z.string().max(64).optional(),
  endpointUuid: z.string().max(200).optional(),
});
export type NvrRef = z.infer<typeof NvrRef>;

export const SendVia = z.enum(['mail-client', 'clipboard', 'phone-qr']);
export const Attempt = z.object({ at: z.number(), result: z.enum(['wrong', 'accepted']) });
export type Attempt = z.infer<typeof Attempt>;
export const HistoryEntry = z.object({ at: z.number(), what: z.string().max(500) });

export const ResetCase = z.object({
  id: z.string().regex(/^[a-z0-9-]{6,64}$/),
  createdAt: z.number(),
  updatedAt: z.number(),
  nvr: NvrRef,
  step: Step,
  email: z.string().max(254).optional(),
  /** QR text is not a secret (it only lets support issue a code to the registered email). */
  qrText: z.string().max(4296 * 2).optional(),
  qrCapturedAt: z.number().optional(),
  /** How many QR codes this case went through (a new one after an expired code). */
  qrNumber: z.number().int().min(0).default(0),
  sentAt: z.number().optional(),
  sentVia: SendVia.optional(),
  codeReceivedAt: z.number().optional(),
  /** Codes received for the current QR (the NVR accepts two per QR). */
  codesForQr: z.number().int().min(0).default(0),
  attempts: z.array(Attempt).default([]),
  passwordSetAt: z.number().optional(),
  passwordInKeychain: z.boolean().default(false),
  /**
   * Where the new password went: the OS keychain, or (keychain unavailable) this
   * app session's memory only — gone after a restart; the technician wrote it down.
   */
  passwordKept: z.enum(['keychain', 'session-memory']).optional(),
  syncChoice: z.enum(['save', 'cancel']).optional(),
  syncChoiceAt: z.number().optional(),
  doneAt: z.number().optional(),
  outcome: z.enum(['reset', 'abandoned']).optional(),
  /** The step a case closed without a reset was at, so reopening it resumes there. */
  closedFromStep: Step.optional(),
  /** Deadline reminders already shown (keys like "delivery:<sentAt>"), so a restart does not repeat them. */
  notified: z.array(z.string()).default([]),
  history: z.array(HistoryEntry).default([]),
});
export type ResetCase = z.infer<typeof ResetCase>;

export const StoreFile = z.object({ version: z.literal(1), cases: z.array(ResetCase) });
export type StoreFile = z.infer<typeof StoreFile>;
export const STORE_VERSION = 1;
