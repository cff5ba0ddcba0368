import { AppError } from '../../common/contract/define';

/** What a field of a call is called on screen, and an example of what it takes. */
const FIELDS: Record<string, { name: string; example: string }> = {
  'devices.addManual:target': { name: 'the address', example: 'an IPv4 address or host name, optionally with :port — e.g. 192.168.1.108 or 192.168.1.108:8000' },
  'devices.sweep:range': { name: 'the range', example: 'a CIDR range of at most /16 — e.g. 192.168.1.0/24' },
  'devices.sweep:ports': { name: 'the ports', example: 'up to 8 port numbers separated by commas — e.g. 80,8000' },
  'devices.setInterfaces:addresses': { name: 'the adapters', example: 'at least one adapter' },
  'cases.setEmail:email': { name: 'the email', example: 'the address registered on the NVR' },
  'sync.start:targets': { name: 'the cameras', example: 'at least one camera, with a device address like http://192.168.1.108/onvif/device_service' },
  'sync.start:currentPasswords': { name: 'the current passwords', example: 'one to five passwords the cameras may have now' },
  'sync.start:newPassword': { name: 'the new password', example: '1 to 128 characters' },
};

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : String(v));

/**
 * Turns main's error codes and parameters into a sentence a technician can act
 * on: what went wrong, then the next step. Main's own message is used where it
 * is already written for people (refused, not-found, conflict).
 */
export function explain(e: unknown): string {
  if (!(e instanceof AppError)) return e instanceof Error ? e.message : String(e);
  const p = e.params ?? {};
  switch (e.code) {
    case 'bad-request': {
      const call = str(p.call);
      const field = str(p.field).split('.')[0] ?? '';
      const known = FIELDS[`${call}:${field}`];
      if (known) return `That is not ${known.name} this needs. Type ${known.example}.`;
      // A check main made itself (its message is already a sentence), or a field we have no words for.
      return call ? `The app could not use what was entered${field ? ` (${field})` : ''}: ${str(p.expected) || 'check it'}. Correct it and try again.` : e.message;
    }
    case 'unavailable':
      return `${e.message} ${/restart|running/i.test(e.message) ? '' : 'If it keeps happening, restart the app.'}`.trim();
    case 'internal':
      return 'Something went wrong inside the app. Try again; if it happens again, restart the app and send the app log (in the data folder) to support.';
    case 'unknown-call':
      return 'This version of the app cannot do that. Restart the app; if it persists, reinstall it.';
    case 'confirm-wide-range':
      return `${str(p.range) || 'This range'} is outside the network adapters you chose. Sweep anyway?`;
    default:
      return e.message;
  }
}
