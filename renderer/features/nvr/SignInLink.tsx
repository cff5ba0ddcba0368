import type { InventoryDevice } from '../../../common/domain/device';
import { go } from '../../src/nav';
import { nvrHostOf } from './model';
import './nvr.css';

/**
 * The "Sign in to the NVR" entry point other screens show (the NVR's device row,
 * a reset case). `compact` fits a narrow table cell: short visible text, full name for assistive tech.
 */
export function NvrSignInLink({ device, host: given, caseId, compact, label, tabIndex }: {
  device?: InventoryDevice;
  host?: string;
  caseId?: string;
  compact?: boolean;
  label?: string;
  /** -1 inside the device grid: reached with the arrow keys, not Tab. */
  tabIndex?: number;
}) {
  const host = device ? nvrHostOf(device) : given;
  const params: Record<string, string> = {};
  if (host) params['host'] = host;
  if (caseId) params['caseId'] = caseId;
  return (
    <button
      type="button"
      className={compact ? 'nvr-signin-link compact' : 'nvr-signin-link'}
      aria-label={label ?? 'Sign in to the NVR'}
      title="Sign in to the NVR and list its channels"
      tabIndex={tabIndex}
      // Inside a device row that opens its details on click and Enter: this button acts alone.
      onClick={(e) => {
        e.stopPropagation();
        go('nvr', params);
      }}
      onKeyDown={(e) => {
        // Enter and Space act on this button; arrow keys still move through the device grid around it.
        if (e.key === 'Enter' || e.key === ' ') e.stopPropagation();
      }}
    >
      {compact ? 'Sign in' : (label ?? 'Sign in to the NVR')}
    </button>
  );
}
