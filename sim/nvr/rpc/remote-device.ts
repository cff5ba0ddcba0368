import { obj, refusal, type Handler } from './answers';
import type { Nvr } from './nvr';
import { slotAfter, slotKey, slotOf, UNUSED_SLOT, unusedAfter } from './slots';
import { CODES } from './types';
import { applyWrites, guardWrite, type SlotWrite } from './writes';

/**
 * `configManager.getConfig` / `setConfig` of `RemoteDevice` (DOMAIN.md "Useful methods"): the
 * NVR's channels as one table, `uuid:System_CONFIG_NETCAMERA_INFO_<n>` keys or an array.
 * setConfig takes the whole table; each slot written replaces the stored one (slots.ts) and a
 * slot left out becomes unused. On newer firmware every password in the table is masked.
 */

function tableOf(nvr: Nvr): unknown {
  const masked = nvr.faults.maskPasswords || nvr.faults.firmware === 'logic-device-manager';
  const slots = [...nvr.channels.map((c) => slotOf(c, masked ? 'masked' : 'stored')), ...Array.from({ length: nvr.faults.extraUnusedSlots }, () => ({ ...UNUSED_SLOT }))];
  if (nvr.faults.slotStyle === 'indexed') return slots;
  return Object.fromEntries(slots.map((s, i) => [slotKey(i), s]));
}

export const getConfig: Handler = ({ nvr, params }) => {
  const name = obj(params)?.['name'];
  if (name === 'RemoteDevice') return { params: { table: tableOf(nvr) }, result: true };
  if (name === 'ChannelTitle') return { params: { table: nvr.channels.map((c) => ({ Name: c.title })) }, result: true };
  return refusal(CODES.invalidRequest, 'Invalid request: unknown config name');
};

/** The slots a written table names, by index; undefined for a table that is not one. */
function entriesOf(t: unknown): Map<number, Record<string, unknown>> | undefined {
  const pairs: [number, unknown][] = Array.isArray(t)
    ? t.map((v, i) => [i, v])
    : obj(t)
      ? Object.entries(t as object).map(([k, v]) => [Number(/(\d+)$/.exec(k)?.[1] ?? NaN), v])
      : [];
  if (!pairs.length || pairs.some(([i]) => !Number.isInteger(i))) return undefined;
  return new Map(pairs.map(([i, v]) => [i, obj(v) ?? {}]));
}

export const setConfig: Handler = ({ nvr, params }) => {
  const p = obj(params);
  if (p?.['name'] !== 'RemoteDevice') return refusal(CODES.invalidRequest, 'Invalid request: unknown config name');
  if (nvr.faults.refuseSetConfig) return refusal(CODES.invalidRequest, 'Invalid request');
  const entries = entriesOf(p['table']);
  if (!entries) return refusal(CODES.invalidRequest, 'Invalid request: table');
  const writes = nvr.channels.map((c, index): SlotWrite => {
    const v = entries.get(index);
    return v ? { index, channel: c, next: slotAfter(c, v) } : { index, channel: c, next: unusedAfter(c), leftOut: true };
  });
  const refused = guardWrite(nvr, writes, 'setConfig');
  if (refused) return refused;
  applyWrites(nvr, writes);
  nvr.stats.setConfigs++;
  return { result: true };
};
