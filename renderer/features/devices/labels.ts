import type { Protocol } from '../../../common/domain/device';

/** How the technician says what found a device (not the protocols' own names), short enough for the table's column. */
export const FOUND_BY: Record<Protocol, string> = {
  'ws-discovery': 'ONVIF',
  ssdp: 'UPnP',
  dhip: 'Dahua',
  sweep: 'sweep',
  manual: 'by hand',
};

/** The same in full, for the details panel and the column's tooltip. */
const FOUND_BY_LONG: Record<Protocol, string> = {
  'ws-discovery': 'ONVIF search (WS-Discovery)',
  ssdp: 'UPnP search (SSDP)',
  dhip: 'Dahua search (DHIP)',
  sweep: 'range sweep',
  manual: 'added by hand',
};

export const foundBy = (protocols: readonly Protocol[], long = false) => protocols.map((p) => (long ? FOUND_BY_LONG : FOUND_BY)[p]).join(', ');

/**
 * What "Not initialised" means for the technician, matching what the app then
 * does: camera sync still tries such a camera with the passwords given (it
 * reports what the camera answered); nothing here needs a password reset.
 */
export const NOT_INITIALISED_ADVICE =
  'Not initialised: the device says it has no admin password yet (factory state). It needs no password reset. Camera sync still tries it with the passwords you give and shows what it answered; if it refuses them, set its first password with the vendor’s tool or its own web page, then sync again.';
