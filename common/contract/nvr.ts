import { z } from 'zod';
import { call, event } from './define';

// The NVR itself over its web JSON-RPC (issue 9): sign in, channel list. Owned by the NVR feature.

/** The NVR's web address the technician chose (http://host[:port]); credentials go nowhere else. */
export const NvrUrl = z
  .string()
  .max(300)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && (u.pathname === '/' || u.pathname === '');
    } catch {
      return false;
    }
  }, 'must be the NVR address as http://host[:port], without a path or credentials');

/** SHA-256 fingerprint as Node prints it: 32 upper-case hex pairs joined by colons. */
export const Fingerprint = z.string().regex(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/, 'a SHA-256 fingerprint (AA:BB:…)');

export const NvrCertificate = z.object({ fingerprint256: Fingerprint, subject: z.string(), validTo: z.string() });
export type NvrCertificate = z.infer<typeof NvrCertificate>;

export const NvrChannel = z.object({
  /** 1-based, as the NVR's own screens number them. */
  channel: z.number().int().min(1),
  /** ChannelTitle, else the slot's input name. */
  name: z.string(),
  address: z.string(),
  port: z.number().int().optional(),
  /** Lower case: private, onvif, … */
  protocol: z.string(),
  /** The account the NVR signs in to the camera with (never its password). */
  username: z.string(),
  /** The camera model the NVR stored. */
  model: z.string(),
  online: z.boolean(),
  /**
   * False: the channel is configured but disabled on the NVR (it does not record; a run that paused it and never
   * restored it leaves it so). Show it as "disabled on the NVR". A disabled channel is a channel, not an empty slot.
   * Every read sets it; optional only until the renderer's test fixtures carry it.
   */
  enabled: z.boolean().optional(),
  /** Disabled by this app's close-the-loop run and not restored yet (the pause marker on the NVR): the next run or NVR sign-in restores it. */
  pausedByApp: z.boolean().optional(),
  state: z.enum(['connected', 'disconnected', 'unknown']),
  /** The NVR returned the stored password masked (issue 10 must not write the mask back). */
  passwordMasked: z.boolean(),
});
export type NvrChannel = z.infer<typeof NvrChannel>;

export const NvrIdentity = z.object({ serial: z.string(), model: z.string(), firmware: z.string() });
export type NvrIdentity = z.infer<typeof NvrIdentity>;

export const NvrSnapshot = z.object({
  url: z.string(),
  username: z.string(),
  identity: NvrIdentity,
  channels: z.array(NvrChannel),
  /** App-clock time of the read. */
  readAt: z.number(),
  /** Notes about the read (a missing method, a truncated table…), plain words. */
  notes: z.array(z.string()),
});
export type NvrSnapshot = z.infer<typeof NvrSnapshot>;

export const NvrSignInInput = z
  .object({
    url: NvrUrl,
    username: z.string().min(1).max(64),
    /** Typed once by the technician… */
    password: z.string().min(1).max(128).optional(),
    /** …or the new password of this reset case, from the keychain. */
    caseId: z.string().min(1).max(200).optional(),
    /** For an https NVR: the SHA-256 fingerprint of its certificate the technician confirmed (nvr.certificate). */
    trustFingerprint: Fingerprint.optional(),
  })
  .refine((v) => (v.password === undefined) !== (v.caseId === undefined), 'give exactly one of password or caseId');
export type NvrSignInInput = z.infer<typeof NvrSignInInput>;

export const NvrStatus = z.object({
  url: z.string().optional(),
  username: z.string().optional(),
  signedIn: z.boolean(),
  /** Refused sign-ins the app counted on this NVR, and the app's limit. */
  failures: z.number().int(),
  maxFailures: z.number().int(),
  lockedUntil: z.number().optional(),
});
export type NvrStatus = z.infer<typeof NvrStatus>;

export const nvrCalls = {
  'nvr.signIn': call(
    NvrSignInInput,
    NvrSnapshot,
    'Signs in to the NVR (one try per call, through the credential gate) and reads its identity and channels. Fails with refused + plain words (remaining tries) on a wrong password.',
  ),
  'nvr.certificate': call(
    z.object({ url: NvrUrl }),
    NvrCertificate,
    'The certificate an https NVR presents (a TLS handshake only, nothing sent), for the technician to confirm before nvr.signIn.',
  ),
  'nvr.channels': call(z.void(), NvrSnapshot, 'Reads the channels again on the signed-in session (signs in again only after the NVR ended the session).'),
  'nvr.status': call(z.object({ url: NvrUrl.optional() }).default({}), NvrStatus, 'Whether a session is open, and the sign-in budget of that NVR.'),
  'nvr.signOut': call(z.void(), z.object({ signedOut: z.boolean() }), 'Ends the session (global.logout) and forgets the password.'),
};

export const nvrEvents = {
  'nvr.channels': event(NvrSnapshot, 'A fresh read of the NVR channels (after sign-in or refresh).'),
};
