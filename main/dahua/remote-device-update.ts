import { slotIndexOf } from '../../common/dahua/remote-device';

/**
 * The NVR keeps one `RemoteDevice` slot per channel, with the account and
 * password it signs in to that camera with. `configManager.setConfig` takes the
 * whole table back, so updating one camera's stored password is a
 * read-modify-write of everything: only `Password` of the matching slots
 * changes; every other field is written back as read; a password the NVR
 * returned masked is left out rather than written back as the mask (that would
 * store "******" as the camera's password on every other channel).
 *
 * Firmwares key slots two ways: `uuid:System_CONFIG_NETCAMERA_INFO_<n>` on newer
 * ones, an array (or index-keyed object) on older ones; n is 0-based and the
 * channel is n + 1. Unused slots have Enable false or Address 192.168.0.0.
 */

export interface SlotMatch {
  /** The camera's address as the NVR stores it (IPv4 or host name). */
  address: string;
  /** When known, the slot's port must match too (two cameras behind one address). */
  port?: number;
  /** The account whose password changed on the camera. */
  username: string;
}

export interface ChangedSlot {
  /** The key in the table (`uuid:System_CONFIG_NETCAMERA_INFO_3`, or "3" for an array). */
  key: string;
  /** 1-based channel. */
  channel: number;
}

export interface TableUpdate {
  table: unknown;
  changed: ChangedSlot[];
  /** Slots whose password came back masked and were sent without one. */
  maskedLeftOut: number;
}

export class TableShapeError extends Error {}


/** A password field the NVR hid: empty, or only mask characters. */
export function isMaskedPassword(value: unknown): boolean {
  return typeof value === 'string' && (value === '' || /^[*•●x]+$/i.test(value));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether a slot is this camera's account (a disabled slot only when asked: a paused channel is still the camera's). */
export function slotMatches(slot: Record<string, unknown>, m: SlotMatch, o: { includeDisabled?: boolean } = {}): boolean {
  if (slot.Enable === false && !o.includeDisabled) return false;
  const address = typeof slot.Address === 'string' ? slot.Address.trim().toLowerCase() : '';
  if (!address || address === '192.168.0.0' || address !== m.address.trim().toLowerCase()) return false;
  if (m.port !== undefined && typeof slot.Port === 'number' && slot.Port !== m.port) return false;
  return typeof slot.UserName === 'string' && slot.UserName === m.username;
}

/** Slot objects with their 1-based channel, for both keying styles. */
export function slotsOf(table: unknown): { channel: number; slot: Record<string, unknown> }[] {
  const entries: [string, unknown][] = Array.isArray(table) ? table.map((v, i) => [String(i), v]) : isRecord(table) ? Object.entries(table) : [];
  const out: { channel: number; slot: Record<string, unknown> }[] = [];
  for (const [key, slot] of entries) {
    const index = slotIndexOf(key);
    if (index !== undefined && isRecord(slot)) out.push({ channel: index + 1, slot });
  }
  return out;
}

/**
 * The table to write back with `edit` applied to the slots `pick` chooses and
 * masked passwords left out of every other slot; a TableShapeError when the
 * table is not one this app can rewrite safely (nothing is written then).
 */
export function rewriteSlots(
  table: unknown,
  pick: (slot: Record<string, unknown>, channel: number) => boolean,
  edit: (slot: Record<string, unknown>) => Record<string, unknown>,
): TableUpdate {
  const isArray = Array.isArray(table);
  if (!isArray && !isRecord(table)) throw new TableShapeError('The NVR returned its channel table in a shape this app does not know; nothing was changed.');
  const entries: [string, unknown][] = isArray ? (table as unknown[]).map((v, i) => [String(i), v]) : Object.entries(table as Record<string, unknown>);
  if (entries.length > 1024) throw new TableShapeError('The NVR returned more than 1024 channel slots; nothing was changed.');

  const changed: ChangedSlot[] = [];
  let maskedLeftOut = 0;
  const out = entries.map(([key, slot]): [string, unknown] => {
    const index = slotIndexOf(key);
    if (index === undefined || !isRecord(slot)) return [key, slot];
    // A masked password is never written back, on the edited slot either (an edit that sets one adds it back).
    const masked = 'Password' in slot && isMaskedPassword(slot.Password);
    const { Password: _masked, ...unmasked } = slot;
    const base = masked ? unmasked : slot;
    if (pick(slot, index + 1)) {
      changed.push({ key, channel: index + 1 });
      return [key, edit(base)];
    }
    if (masked) maskedLeftOut++;
    return [key, base];
  });
  return { table: isArray ? out.map(([, v]) => v) : Object.fromEntries(out), changed, maskedLeftOut };
}

/** Only `Password` of the enabled slots of these accounts changes. */
export function updateStoredPasswords(table: unknown, wanted: readonly SlotMatch[], newPassword: string): TableUpdate {
  return rewriteSlots(
    table,
    (slot) => wanted.some((m) => slotMatches(slot, m)),
    (slot) => ({ ...slot, Password: newPassword }),
  );
}
