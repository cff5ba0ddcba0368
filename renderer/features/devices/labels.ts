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
 * does: it initialises the device itself (Initialise… above the table), with the
 * site's password and reset e-mail; no password reset is involved.
 */
export const NOT_INITIALISED_ADVICE =
  'Not initialised: the device says it has no admin password yet (factory state), so it needs no password reset. Choose it (its checkbox, or Space on its row) and press Initialise… above the table: it gets the site’s password and the reset e-mail, and the app signs in once to prove it.';

/** After the app initialised a camera: what closes the loop (the NVR still holds no working password for it). */
export const AFTER_INIT_ADVICE =
  'Next, and soon: close the loop, so the NVR stores this password and its channel records again. Until then the NVR keeps signing in to this camera with the password it stored before, and each refused try counts toward the camera’s lock. The reset case’s last step, or Camera sync’s “Sync cameras and the NVR’s channels…”, offers this camera.';
