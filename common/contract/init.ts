import { z } from 'zod';
import { call, event } from './define';
import { InitOutcome, InitStep } from '../init/outcomes';
import { InitAddress } from '../init/rules';

// Initialising factory-fresh Dahua-family devices with the site's password (issue 21). Owned by the init feature.
// No verb or event carries a password; the reset e-mail appears only masked ("o***@example.com").

const CaseId = z.string().regex(/^[a-z0-9-]{6,64}$/);

/** A device to act on: an inventory row (its address and DHIP web port come from there) or an address as typed. */
export const InitTargetRef = z.union([z.strictObject({ deviceId: z.string().min(1).max(200) }), z.strictObject({ address: InitAddress })]);
export type InitTargetRef = z.infer<typeof InitTargetRef>;

export const InitStartInput = z
  .object({
    targets: z.array(InitTargetRef).min(1).max(500),
    /** The open reset case: its new password (OS keychain) and, unless `email` is given, its registered e-mail. */
    caseId: CaseId.optional(),
    /** Typed instead of a case's. Checked against the device rule before anything is sent. */
    newPassword: z.string().min(1).max(128).optional(),
    /** The reset e-mail the devices register; "" for none. Default: the case's registered e-mail. */
    email: z.string().max(254).optional(),
    concurrency: z.number().int().min(1).max(32).optional(),
    /**
     * The technician says no NVR records these devices (or the loop is closed right after). Without it, and
     * without an NVR session in the app, main refuses: the NVR would keep signing in with the old password.
     */
    withoutNvr: z.boolean().optional(),
  })
  .refine((v) => (v.caseId === undefined) !== (v.newPassword === undefined), 'give exactly one of caseId or newPassword');
export type InitStartInput = z.infer<typeof InitStartInput>;

/** One device of a run: where it is, how far it got, and (once it ended) its one outcome. */
export const InitRow = z.object({
  /** The device's web address, http://host:port: the row's key. */
  key: z.string(),
  deviceId: z.string().optional(),
  step: InitStep,
  outcome: InitOutcome.optional(),
  /** What happened, in the app's words. */
  detail: z.string(),
  /**
   * What happened on the NVR for this device (its channel's password, a pause, no session), in the app's words;
   * a field of its own, so nothing a device or the NVR says inside `detail` can pass for it.
   */
  nvr: z.string().optional(),
  /** The device's own words when it refused (its error message), and its error code. */
  deviceWords: z.string().optional(),
  deviceCode: z.number().optional(),
  nextStep: z.string().optional(),
  /** Newer firmware's user agreement: accepted, or not offered (older firmware). */
  agreement: z.enum(['agreed', 'not-offered']).optional(),
  /** Cloud access off / no upgrade check (`DevInit.access`): set, or refused (tolerated). */
  access: z.enum(['set', 'refused']).optional(),
  /** This row was settled from the journal of an interrupted run (the account is never sent twice). */
  resumed: z.boolean().optional(),
  endedAt: z.number().optional(),
});
export type InitRow = z.infer<typeof InitRow>;

export const InitRunState = z.object({
  runId: z.string(),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  running: z.boolean(),
  /** The e-mail the devices register, masked. */
  emailMasked: z.string().optional(),
  rows: z.array(InitRow),
});
export type InitRunState = z.infer<typeof InitRunState>;

/** Whether a device's password can be reset by e-mail, read without signing in (DHIP Init bits 6–7, PasswdFind.getDescript). */
export const ResetCapability = z.object({
  key: z.string(),
  deviceId: z.string().optional(),
  init: z.enum(['initialised', 'not-initialised', 'unknown']),
  resetByEmail: z.enum(['possible', 'not-possible', 'unknown']),
  /** The registered e-mail, masked, when the device says it. */
  emailMasked: z.string().optional(),
  /** DHIP Init bits 6–7 as the inventory holds them. */
  dhipReset: z.enum(['supported', 'not-supported', 'unknown']),
  /** What `PasswdFind.getDescript` said without a sign-in. */
  descript: z.enum(['answered', 'not-offered', 'not-initialised', 'not-reachable', 'refused']),
  detail: z.string(),
});
export type ResetCapability = z.infer<typeof ResetCapability>;

const RunRef = z.object({ runId: z.string().max(100).optional() });

export const initCalls = {
  'init.start': call(
    InitStartInput,
    z.object({ runId: z.string(), resumed: z.boolean() }),
    'Initialises the chosen factory-fresh devices (getStatus, agreement, sealed account and access, a proving sign-in). An interrupted run over the same devices is resumed: no device is sent its account twice.',
  ),
  'init.cancel': call(RunRef.optional(), z.object({ cancelled: z.boolean() }), 'Stops starting devices; a device already sent its account is still settled.'),
  'init.status': call(RunRef.optional(), InitRunState.nullable(), 'The run (latest if no runId) with every device row.'),
  'init.report': call(
    RunRef.extend({ format: z.enum(['json', 'csv']) }),
    z.object({ filename: z.string(), mime: z.string(), content: z.string() }),
    'A report of the run: one row per device with its outcome; no password, the e-mail masked.',
  ),
  'init.capability': call(
    z.object({ targets: z.array(InitTargetRef).min(1).max(500) }),
    z.array(ResetCapability),
    'Per device, without signing in: initialised or not, and whether its password can be reset by e-mail (and to which address, masked).',
  ),
} as const;

export const initEvents = {
  'init.progress': event(z.object({ runId: z.string(), rows: z.array(InitRow) }), 'Device rows whose step or outcome changed.'),
  'init.finished': event(InitRunState, 'A run ended (every device has its outcome, or the run was cancelled).'),
} as const;
