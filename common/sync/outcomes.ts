import { z } from 'zod';

/**
 * Every way a camera's sync can end. The list is closed on purpose: the UI, the
 * CLI's exit code and the reports all switch on it, and a new outcome must come
 * with its explanation and next step below.
 */
export const SyncOutcome = z.enum([
  'updated',
  'already-current',
  'auth-off',
  'auth-failed',
  'locked-out',
  'rejected',
  'unsupported',
  'unreachable',
  'timeout',
  'unverified',
  'cancelled',
  'skipped',
]);
export type SyncOutcome = z.infer<typeof SyncOutcome>;

export interface OutcomeInfo {
  label: string;
  /** What happened, for a technician who does not read SOAP. */
  explanation: string;
  /** What to do about it. */
  nextStep: string;
  /** Counts as done: the camera now holds the new password. */
  success: boolean;
  /** "Retry failed" picks it up (auth-failed is retried only within the lockout budget). */
  retryable: boolean;
}

export const OUTCOMES: Record<SyncOutcome, OutcomeInfo> = {
  updated: {
    label: 'Updated',
    explanation: 'The camera took the new password: after the change it signs in with it, read back from the camera itself.',
    nextStep: 'Soon: give the new password to every other recorder, VMS or phone app that signs in to this camera. One that keeps trying the old password gets its address locked out by the camera (Dahua: about 30 minutes).',
    success: true,
    retryable: false,
  },
  'already-current': {
    label: 'Already current',
    explanation: 'The camera already accepts the new password, so nothing was changed.',
    nextStep: 'Nothing to do.',
    success: true,
    retryable: false,
  },
  'auth-off': {
    label: 'ONVIF sign-in off',
    explanation:
      'The camera answers every ONVIF call without checking any password (its ONVIF authentication is switched off). The new password was sent, but ONVIF cannot show whether it took: this camera accepts any password there.',
    nextStep:
      'Sign in to the camera\'s web page with the new password to confirm it, and switch ONVIF authentication on (anyone on the network can change this camera now).',
    success: false,
    retryable: false,
  },
  'auth-failed': {
    label: 'Sign-in failed',
    explanation:
      'None of the passwords tried was accepted for this user. The app stopped before the camera could lock the account. A Dahua camera that has run out of connections (a VMS, phone apps and other viewers hold them) refuses every password the same way, the right one included.',
    nextStep:
      'Find the camera\'s current password (label, handover sheet, NVR\'s "remote device" page), then retry with it. Wait 30 minutes first if the camera counts failures across sessions. If the password should be right, open the camera\'s web page: "Exceeded maximum number of connections" means close the other viewers (or restart the camera) before the retry.',
    success: false,
    retryable: true,
  },
  'locked-out': {
    label: 'Locked',
    explanation: 'The camera reports that this account (or this laptop\'s address) is locked after failed sign-ins.',
    nextStep:
      'Wait for the countdown to end, and stop any recorder or app still using the old password (it keeps re-locking the camera). Then retry.',
    success: false,
    retryable: true,
  },
  rejected: {
    label: 'Rejected',
    explanation: 'The camera refused the new password.',
    nextStep: 'See the device\'s reason; choose a password that meets the camera\'s rule and retry.',
    success: false,
    retryable: true,
  },
  unsupported: {
    label: 'Not supported',
    explanation: 'The camera answered, but not in a way this app can use safely (not ONVIF, unknown sign-in method, or a malformed answer).',
    nextStep: 'Change this camera\'s password in its own web page or the vendor tool, then record it as done.',
    success: false,
    retryable: false,
  },
  unreachable: {
    label: 'Unreachable',
    explanation: 'The camera could not be reached at the chosen address, or it failed with a server error.',
    nextStep:
      'Check the cable, power and address (cameras on an NVR\'s PoE ports are often not reachable from the LAN), then retry.',
    success: false,
    retryable: true,
  },
  timeout: {
    label: 'Timed out',
    explanation: 'The camera stopped answering before the step finished.',
    nextStep: 'Check the network path to the camera and retry; a busy camera may need a minute.',
    success: false,
    retryable: true,
  },
  unverified: {
    label: 'Not verified',
    explanation: 'The password change was sent, but the app could not confirm that the new password works and the old one does not.',
    nextStep:
      'Sign in to the camera\'s web page with the new password. If the old one still works, the camera ignored the change: use the vendor tool.',
    success: false,
    retryable: true,
  },
  cancelled: {
    label: 'Cancelled',
    explanation: 'The run was cancelled before this camera finished.',
    nextStep: 'Retry when ready.',
    success: false,
    retryable: true,
  },
  skipped: {
    label: 'Skipped',
    explanation: 'This camera was not touched in this run.',
    nextStep: 'See the detail; fix the target and retry.',
    success: false,
    retryable: true,
  },
};

/** Device fault subcodes with a specific next step (ONVIF Core, SetUser/CreateUsers faults). */
const SUBCODE_STEPS: Record<string, string> = {
  PasswordTooWeak: 'The camera wants a stronger password: 8–32 characters mixing letters, digits and symbols (not \' " ; : &).',
  Password: 'The camera wants a stronger password: 8–32 characters mixing letters, digits and symbols (not \' " ; : &).',
  PasswordTooLong: 'The camera accepts shorter passwords (often 16 characters at most): choose a shorter one for this camera.',
  FixedUser: 'This account\'s password cannot be changed over ONVIF (a built-in account). Change it in the camera\'s web page.',
  AnonymousNotAllowed: 'The camera refuses this user name; check the user name.',
  UsernameMissing: 'The camera does not know this user; check the user name.',
};

/** Why an account was not touched, where the reason has a step of its own. */
const SKIPPED_STEPS: Record<string, string> = {
  NeedsAdministrator:
    "Add the camera's Administrator account (usually admin) to the run with its current password, then retry: the app changes this account through it. Or change this account's password in the camera's web page.",
};

/** Next step for one row, specialised by the device's fault subcode (or the reason it was skipped) when there is one. */
export function nextStepFor(outcome: SyncOutcome, subcode?: string): string {
  if (outcome === 'rejected' && subcode) {
    return SUBCODE_STEPS[subcode] ?? `The camera gave reason "${subcode}", which this app does not know. Check the camera's password rule in its manual.`;
  }
  if (outcome === 'skipped' && subcode && Object.hasOwn(SKIPPED_STEPS, subcode)) return SKIPPED_STEPS[subcode]!;
  return OUTCOMES[outcome].nextStep;
}

export function isSuccess(outcome: SyncOutcome | undefined): boolean {
  return outcome !== undefined && OUTCOMES[outcome].success;
}
