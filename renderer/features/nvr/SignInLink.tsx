import type { InventoryDevice } from '../../../common/domain/device';
import { go } from '../../src/nav';
import { nvrHostOf } from './model';
import './nvr.css';

/**
 * The "Sign in to the NVR" entry point other screens show (the NVR's device row,
 * a reset case). `compact` fits a narrow table cell: short visible text, full name for assistive tech.
 */
export function NvrSignInLink({ device, host: given, caseId, compact }: { device?: InventoryDevice; host?: string; caseId?: string; compact?: boolean }) {
  const host = device ? nvrHostOf(device) : given;
  const params: Record<string, string> = {};
  if (host) params['host'] = host;
  if (caseId) params['caseId'] = caseId;
  return (
    <button
      type="button"
      className={compact ? 'nvr-signin-link compact' : 'nvr-signin-link'}
      aria-label="Sign in to the NVR"
      title="Sign in to the NVR and list its channels"
      // Inside a device row that opens its details on click and Enter: this button acts alone.
      onClick={(e) => {
        e.stopPropagation();
        go('nvr', params);
      }}
      onKeyDown={(e) => e.stopPropagation()}
    >
      {compact ? 'Sign in' : 'Sign in to the NVR'}
    </button>
  );
}
