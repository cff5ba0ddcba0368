/**
 * How an init row says what happened on the NVR for its device (main/init/nvr-guard.ts): the row's
 * detail is the device's part, then " NVR: " and the NVR's part. One place for both sides, so the
 * screen can show the NVR's part on its own line; the NVR's part is always the last.
 */

const MARK = ' NVR: ';

/** The device's detail with the NVR's part appended (none: the detail as it is). */
export function withNvrNote(detail: string, nvr: string | undefined): string {
  return nvr ? `${detail}${MARK}${nvr}` : detail;
}

/** A row's detail split back into the device's part and the NVR's part (undefined when the row has none). */
export function splitNvrNote(detail: string): { device: string; nvr?: string } {
  const at = detail.lastIndexOf(MARK);
  if (at < 0) return { device: detail };
  const nvr = detail.slice(at + MARK.length).trim();
  return nvr ? { device: detail.slice(0, at), nvr } : { device: detail };
}
