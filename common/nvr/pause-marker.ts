/**
 * How a channel this app paused is recognisable from the NVR alone. While the
 * app changes a camera it disables that camera's channels (the NVR retrying a
 * stale password locks cameras within seconds, DOMAIN.md) and puts a short
 * marker in front of the channel's stored device name. A lost or damaged
 * journal therefore cannot hide a paused channel: the next run, the app's NVR
 * session and `nvr channels` see `Enable: false` plus the marker and know the
 * app left it so. Pure, so the reader of the channel list (main/dahua), the
 * site loop (main/site) and the screens share one definition.
 *
 * The limit on the name is not documented; the simulator keeps 31 characters
 * (DOMAIN.md), so the marked name is cut to that and the original is kept in the
 * loop journal. Without the journal, a name longer than 31 − 7 characters comes
 * back without its tail: the app says so rather than guessing it.
 */

/** ASCII (firmware character sets vary), short, and unlikely in a name a customer chose. */
export const PAUSE_MARK = 'PAUSED~';
/** The longest device name the app relies on the NVR keeping. */
export const NVR_NAME_LIMIT = 31;

/** The name the app stores while the channel is paused. */
export function pausedName(name: string): string {
  return (PAUSE_MARK + unmarked(name)).slice(0, NVR_NAME_LIMIT);
}

/** Whether a stored name carries the app's pause marker. */
export function isPausedName(name: string): boolean {
  return name.startsWith(PAUSE_MARK);
}

/** A channel the app paused: disabled on the NVR, and marked. */
export function isPausedByApp(channel: { enabled: boolean; name: string }): boolean {
  return !channel.enabled && isPausedName(channel.name);
}

/**
 * The name to put back: the original from the journal when it matches what the
 * NVR holds, else the stored name without the marker (possibly cut short).
 */
export function restoredName(stored: string, original?: string): { name: string; maybeCut: boolean } {
  if (original !== undefined && pausedName(original) === stored) return { name: original, maybeCut: false };
  const name = unmarked(stored);
  return { name, maybeCut: stored.length >= NVR_NAME_LIMIT };
}

function unmarked(name: string): string {
  let n = name;
  while (n.startsWith(PAUSE_MARK)) n = n.slice(PAUSE_MARK.length);
  return n;
}
