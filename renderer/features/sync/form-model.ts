import type { InventoryDevice } from '../../../common/domain/device';
import { passwordRuleProblem } from '../../../common/reset/password';
import { SyncTarget } from '../../../common/sync/target';

/** What the technician typed into the form; SyncView keeps it (it survives a tab switch). */
export interface FormState {
  unchecked: Set<string>;
  manual: string;
  username: string;
  candidates: string[];
  newPassword: string;
  confirm: string;
  useCase: boolean;
}

export const EMPTY_FORM: FormState = { unchecked: new Set(), manual: '', username: 'admin', candidates: [''], newPassword: '', confirm: '', useCase: false };

type Target = { xaddr: string; username: string; deviceId?: string };
export type Collected = { targets: Target[]; secrets: { currentPasswords: string[]; caseId: string } | { currentPasswords: string[]; newPassword: string } };

/**
 * The form's cameras and passwords, or what is missing — checked here by the
 * app's own rules (the contract's address rule, the shared password rule), so
 * nothing is sent that main would refuse.
 */
export function collectForm(form: FormState, cameras: readonly InventoryDevice[], caseId: string | undefined): Collected | string {
  const chosen = cameras.filter((d) => !form.unchecked.has(d.xaddrs[0]!)).map((d) => ({ xaddr: d.xaddrs[0]!, username: form.username, deviceId: d.id }));
  const typed = form.manual.split(/\s+/).filter(Boolean).map((xaddr) => ({ xaddr, username: form.username }));
  const targets = [...chosen, ...typed];
  const current = form.candidates.filter(Boolean);
  const viaCase = form.useCase && caseId !== undefined;
  if (!targets.length) return 'Choose at least one camera or type its ONVIF address.';
  const bad = targets.find((x) => !SyncTarget.shape.xaddr.safeParse(x.xaddr).success);
  if (bad) return `"${bad.xaddr}" is not a device address like http://192.168.1.108/onvif/device_service.`;
  if (!current.length) return 'Enter the password the cameras have now (up to five guesses, tried in order).';
  if (!viaCase) {
    const rule = passwordRuleProblem(form.newPassword);
    if (rule) return rule;
    if (form.newPassword !== form.confirm) return 'Enter the new password twice, the same both times.';
  }
  return { targets, secrets: { currentPasswords: current, ...(viaCase ? { caseId } : { newPassword: form.newPassword }) } };
}
