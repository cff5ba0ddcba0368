import { z } from 'zod';

/**
 * Every way initialising one factory-fresh device can end. Closed on purpose,
 * like camera sync's: the screen, the CLI's exit code and the report switch on
 * it, and a new outcome comes with its explanation and next step below.
 */
export const InitOutcome = z.enum(['initialised', 'already-initialised', 'refused', 'not-reachable', 'unsupported-firmware']);
export type InitOutcome = z.infer<typeof InitOutcome>;

export interface InitOutcomeInfo {
  label: string;
  explanation: string;
  nextStep: string;
  /** Counts as done for the CLI's exit code: the device has an admin password now. */
  success: boolean;
}

export const INIT_OUTCOMES: Record<InitOutcome, InitOutcomeInfo> = {
  initialised: {
    label: 'Initialised',
    explanation: 'The device took the new admin password and the reset e-mail, and a sign-in with the new password worked.',
    // Where the app had an NVR session, its channel already took the new password (main/init/nvr-guard.ts) and the row says so instead.
    nextStep: 'If an NVR records this camera, close the loop right away: the NVR keeps signing in with the old password, and a camera locks after about 5 refused sign-ins — under a minute.',
    success: true,
  },
  'already-initialised': {
    label: 'Already initialised',
    explanation: 'The device already had an admin password before this run, so nothing was sent to it.',
    nextStep: 'If you do not know its password, use the password reset (or a factory reset on the device) before adding it.',
    success: true,
  },
  refused: {
    label: 'Refused',
    explanation: 'The device refused a step of the initialisation; its own words are in the detail.',
    nextStep: "Read the device's words: a password it finds too weak needs another password; anything else, initialise it on its own web page.",
    success: false,
  },
  'not-reachable': {
    label: 'Not reachable',
    explanation: 'The device did not answer at this address (or stopped answering during the initialisation).',
    nextStep: 'Check the cable, power and address, then run again: a device that already took the password is only checked, never sent it twice.',
    success: false,
  },
  'unsupported-firmware': {
    label: 'Unsupported firmware',
    explanation: 'The device does not offer the web initialisation this app uses, or offers it in a way the app will not use safely (for example a weak encryption key).',
    nextStep: "Initialise it with the vendor's tool or its own web page on a direct cable, then add it here.",
    success: false,
  },
};

/** Where a device's initialisation is (the screen's progress column). */
export const InitStep = z.enum(['pending', 'status', 'agreement', 'key', 'account', 'access', 'sign-in', 'done']);
export type InitStep = z.infer<typeof InitStep>;
