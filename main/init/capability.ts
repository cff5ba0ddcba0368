import type { ResetCapability } from '../../common/contract/init';
import type { DhipInfo } from '../../common/domain/device';
import { maskEmail } from '../../common/init/rules';
import { DAHUA_CODES } from '../../common/dahua/errors';
import { DevInitClient, DevInitError } from '../dahua/devinit';

/**
 * Reset capability at a glance, read without signing in: DHIP `Init` bits 6–7
 * (what the inventory heard) and `PasswdFind.getDescript {"name":"admin"}` on
 * `/OutsideCmd` where the firmware answers it. The registered e-mail is not a
 * secret, but it is shown masked and never logged.
 */

export interface CapabilityTarget {
  key: string;
  url: string;
  deviceId?: string;
  dhip?: Pick<DhipInfo, 'resetSupported' | 'init'>;
}

type Descript = ResetCapability['descript'];

function dhipReset(d: CapabilityTarget['dhip']): ResetCapability['dhipReset'] {
  return d?.resetSupported === true ? 'supported' : d?.resetSupported === false ? 'not-supported' : 'unknown';
}

/** What getDescript said, as a kind and (when answered) the registered e-mail. */
async function askDescript(client: DevInitClient): Promise<{ descript: Descript; email?: string }> {
  try {
    const d = await client.descript();
    return { descript: 'answered', email: d.contactEmail ?? '' };
  } catch (err) {
    if (!(err instanceof DevInitError)) throw err;
    if (err.kind === 'method-not-found' || err.kind === 'no-endpoint') return { descript: 'not-offered' };
    if (err.kind === 'refused' && err.device.code === DAHUA_CODES.notInitialised) return { descript: 'not-initialised' };
    if (err.kind === 'unreachable' || err.kind === 'answer-lost') return { descript: 'not-reachable' };
    return { descript: 'refused' };
  }
}

async function initOf(client: DevInitClient, t: CapabilityTarget): Promise<ResetCapability['init']> {
  try {
    const { init } = await client.getStatus();
    return init === 1 ? 'not-initialised' : init === 2 ? 'initialised' : 'unknown';
  } catch {
    // Older firmware has no DevInit: fall back to what DHIP said.
    return t.dhip?.init ?? 'unknown';
  }
}

/** The verdict and its words, from what the device and DHIP said. */
function verdict(init: ResetCapability['init'], reset: ResetCapability['dhipReset'], d: { descript: Descript; email?: string }): Pick<ResetCapability, 'resetByEmail' | 'detail'> {
  if (reset === 'not-supported') return { resetByEmail: 'not-possible', detail: 'The firmware says it offers no password reset (DHIP): a forgotten password means a factory reset on the device.' };
  if (init === 'not-initialised') return { resetByEmail: 'not-possible', detail: 'Not initialised yet: there is no password to reset. Initialise it; the e-mail you give is the one a reset goes to.' };
  if (d.descript === 'answered' && d.email) return { resetByEmail: 'possible', detail: 'A reset by e-mail is possible: the device has a registered e-mail.' };
  if (d.descript === 'answered') return { resetByEmail: 'not-possible', detail: 'No e-mail is registered on the device, so a reset by e-mail cannot reach anyone.' };
  const why = { 'not-offered': 'this firmware does not say which e-mail is registered without a sign-in', 'not-reachable': 'the device did not answer', refused: 'the device refused to say', 'not-initialised': 'the device says it is not initialised' }[d.descript];
  return { resetByEmail: 'unknown', detail: `${reset === 'supported' ? 'The firmware offers a password reset, but ' : ''}${why}.` };
}

export async function readCapability(t: CapabilityTarget, timeoutMs: number): Promise<ResetCapability> {
  const client = new DevInitClient({ url: t.url, timeoutMs });
  const reset = dhipReset(t.dhip);
  const init = await initOf(client, t);
  const d = init === 'not-initialised' ? { descript: 'not-initialised' as const } : await askDescript(client);
  return {
    key: t.key,
    ...(t.deviceId ? { deviceId: t.deviceId } : {}),
    init,
    dhipReset: reset,
    descript: d.descript,
    ...(d.email ? { emailMasked: maskEmail(d.email) } : {}),
    ...verdict(init, reset, d),
  };
}
