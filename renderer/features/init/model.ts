import type { InitRow, InitRunState, ResetCapability } from '../../../common/contract/init';
import type { InventoryDevice } from '../../../common/domain/device';
import type { NvrSnapshot } from '../../../common/contract/nvr';
import { INIT_OUTCOMES, type InitOutcome } from '../../../common/init/outcomes';
import type { ResetCase } from '../../../common/reset/case';
import { initEmailProblem, initPasswordProblem } from '../../../common/init/rules';

/**
 * The Devices screen's init model, pure of React and of the transport: which
 * rows may be chosen, which reset capabilities to ask for, how main's init
 * events fold into the run the screen shows, and the words of the badges.
 */

// ── Choosing devices ─────────────────────────────────────────────────────────

/** A row the technician may choose for initialising: the device says it has no admin password yet, and it answers. */
export function isInitialisable(d: InventoryDevice): boolean {
  return d.dhip?.init === 'not-initialised' && d.online;
}

/**
 * The chosen ids that are still initialisable, in the inventory's order: a
 * device initialised meanwhile (the inventory rescans after a run) or gone
 * offline drops out of the choice by itself.
 */
export function chosenDevices(chosen: ReadonlySet<string>, rows: Iterable<InventoryDevice>): InventoryDevice[] {
  return [...rows].filter((d) => chosen.has(d.id) && isInitialisable(d));
}

/** Space on a row, or its checkbox: toggles a row that may be chosen, leaves the rest alone. */
export function toggleChosen(chosen: ReadonlySet<string>, d: InventoryDevice): Set<string> {
  const next = new Set(chosen);
  if (next.has(d.id)) next.delete(d.id);
  else if (isInitialisable(d)) next.add(d.id);
  return next;
}

/**
 * Reset cases whose new password the app holds (its step was saved) and that
 * were not closed without a reset: the password the site uses now. Newest first.
 */
export function casesWithPassword(cases: readonly ResetCase[]): ResetCase[] {
  return cases.filter((c) => c.passwordSetAt !== undefined && c.outcome !== 'abandoned').sort((a, b) => b.updatedAt - a.updatedAt);
}

// ── The panel's form ─────────────────────────────────────────────────────────

/** What the form holds, and the field a problem belongs to (focus goes there). */
export interface Draft {
  source: 'case' | 'typed';
  caseId?: string;
  password: string;
  confirm: string;
  email: string;
}
type Problem = { field: 'password' | 'confirm' | 'email' | 'case' | 'nvr'; text: string };

/** The first reason the draft cannot be sent, checked here with the shared rule before anything leaves. */
export function draftProblem(d: Draft): Problem | undefined {
  if (d.source === 'case' && !d.caseId) return { field: 'case', text: 'Choose the reset case whose new password the devices get.' };
  if (d.source === 'typed') {
    const p = initPasswordProblem(d.password);
    if (p) return { field: 'password', text: p };
    if (d.password !== d.confirm) return { field: 'confirm', text: 'The two passwords differ: type the same password twice.' };
  }
  const e = initEmailProblem(d.email.trim());
  return e ? { field: 'email', text: e } : undefined;
}

// ── The NVR's channels for the chosen devices ─────────────────────────────────

/**
 * What main will do on the NVR for one chosen device (main/init/nvr-guard.ts):
 * its channels that sign in as admin get the new password just before the
 * device takes it; one with another account is paused; none: nothing to do.
 */
export interface NvrLine {
  device: InventoryDevice;
  stores: number[];
  /** Channels that sign in with another account than admin (a new camera has only admin), and that account. */
  pauses: { channel: number; username: string }[];
}

/** Without an NVR session the app cannot see which NVR channel records a device: `null` then. */
export function nvrLinesFor(devices: readonly InventoryDevice[], snap: NvrSnapshot | null | undefined): NvrLine[] | null {
  if (!snap) return null;
  return devices.map((device) => {
    const mine = snap.channels.filter((c) => c.enabled !== false && device.addresses.includes(c.address));
    return {
      device,
      stores: mine.filter((c) => c.username === 'admin').map((c) => c.channel),
      pauses: mine.filter((c) => c.username !== 'admin').map((c) => ({ channel: c.channel, username: c.username })),
    };
  });
}

/** Start waits for an NVR session, or for the technician to say no NVR records these devices: a warning alone does not protect a camera. */
export function nvrProblem(lines: NvrLine[] | null, withoutNvr: boolean): Problem | undefined {
  if (lines || withoutNvr) return undefined;
  return { field: 'nvr', text: 'Sign in to the NVR first, so the app can give its channels the new password as each camera takes it — or confirm that no NVR records these devices.' };
}

// ── Reset capability at a glance ─────────────────────────────────────────────

/** What the screen knows of one device's reset capability, and for which DHIP init state it was read. */
export interface CapabilityEntry {
  forInit: NonNullable<InventoryDevice['dhip']>['init'];
  cap?: ResetCapability;
  /** The call failed (the words main gave): shown as unknown, asked again when the device's state changes. */
  error?: string;
}
export type Capabilities = Map<string, CapabilityEntry>;

/** Most devices in one `init.capability` call (the contract's limit). */
export const CAPABILITY_BATCH = 500;

/**
 * The Dahua-family rows (they answered DHIP) whose capability is not known for
 * their current init state and is not being asked already. The verb signs in
 * nowhere, so asking costs no device a failed sign-in.
 */
export function capabilitiesWanted(devices: Iterable<InventoryDevice>, known: Capabilities, inflight: ReadonlySet<string>): InventoryDevice[] {
  const out: InventoryDevice[] = [];
  for (const d of devices) {
    if (!d.dhip || !d.online || inflight.has(d.id)) continue;
    if (known.get(d.id)?.forInit === d.dhip.init) continue;
    out.push(d);
    if (out.length === CAPABILITY_BATCH) break;
  }
  return out;
}

/** The answers of one call folded in (by device id), or its failure recorded for each device asked. */
export function mergeCapabilities(known: Capabilities, asked: readonly InventoryDevice[], result: { answers: ResetCapability[] } | { error: string }): Capabilities {
  const next = new Map(known);
  const byId = 'answers' in result ? new Map(result.answers.filter((c) => c.deviceId).map((c) => [c.deviceId!, c])) : new Map<string, ResetCapability>();
  for (const d of asked) {
    const forInit = d.dhip?.init ?? 'unknown';
    const cap = byId.get(d.id);
    next.set(d.id, cap ? { forInit, cap } : { forInit, error: 'error' in result ? result.error : 'The app did not get an answer for this device.' });
  }
  return next;
}

/** Forgets what was read for these devices (an init run changed them): they are asked again. */
export function forgetCapabilities(known: Capabilities, ids: Iterable<string>): Capabilities {
  const next = new Map(known);
  for (const id of ids) next.delete(id);
  return next;
}

export interface CapabilityBadge {
  kind: ResetCapability['resetByEmail'];
  /** What the row shows (short enough for the Status column at 1024 px). */
  text: string;
  /** What a screen reader hears before the text. */
  spoken: string;
  /** The whole story (the tooltip and the details panel). */
  detail: string;
}

/**
 * The row's badge: the masked registered e-mail where a reset by e-mail is
 * possible, or that it is not / not known. None for a device not initialised
 * (its "Not initialised" badge says more: there is no password to reset yet).
 */
export function capabilityBadge(entry: CapabilityEntry | undefined): CapabilityBadge | undefined {
  if (!entry) return undefined;
  const c = entry.cap;
  if (!c) return { kind: 'unknown', text: 'reset unknown', spoken: 'Password reset by e-mail: ', detail: `Not known: ${entry.error ?? 'no answer'}` };
  if (c.init === 'not-initialised') return undefined;
  if (c.resetByEmail === 'possible') return { kind: 'possible', text: c.emailMasked ?? 'e-mail reset', spoken: 'Password reset by e-mail possible, to ', detail: c.detail };
  if (c.resetByEmail === 'not-possible') return { kind: 'not-possible', text: 'no e-mail reset', spoken: '', detail: c.detail };
  // The firmware says (DHIP) it offers a reset, but not to which e-mail without a sign-in.
  if (c.dhipReset === 'supported') return { kind: 'unknown', text: 'reset offered', spoken: 'Password reset offered by the firmware, e-mail not known: ', detail: c.detail };
  return { kind: 'unknown', text: 'reset unknown', spoken: 'Password reset by e-mail: ', detail: c.detail };
}

// ── The run ──────────────────────────────────────────────────────────────────

/** Rows of an `init.progress` batch folded into the run the screen shows (its own run only; a row it lacks is added). */
export function applyInitProgress(prev: InitRunState | null | undefined, runId: string, rows: readonly InitRow[]): InitRunState | null | undefined {
  if (!prev || prev.runId !== runId) return prev;
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const merged = prev.rows.map((r) => byKey.get(r.key) ?? r);
  const added = rows.filter((r) => !prev.rows.some((p) => p.key === r.key));
  return { ...prev, rows: [...merged, ...added] };
}

/** `init.finished` replaces the run it ends, or a run started before it; never a newer one. */
export function applyInitFinished(prev: InitRunState | null | undefined, state: InitRunState): InitRunState | null | undefined {
  return !prev || prev.runId === state.runId || prev.startedAt <= state.startedAt ? state : prev;
}

export type RowTone = 'good' | 'bad' | 'wait';

export function rowTone(r: InitRow): RowTone {
  if (!r.outcome) return 'wait';
  return INIT_OUTCOMES[r.outcome].success ? 'good' : 'bad';
}

/** "1 Initialised · 1 Refused · 2 in progress", in the outcomes' own order. */
export function tallyInit(rows: readonly InitRow[]): { key: InitOutcome | 'pending'; label: string; count: number; tone: RowTone }[] {
  const counts = new Map<InitOutcome | 'pending', number>();
  for (const r of rows) counts.set(r.outcome ?? 'pending', (counts.get(r.outcome ?? 'pending') ?? 0) + 1);
  const order = [...(Object.keys(INIT_OUTCOMES) as InitOutcome[]), 'pending' as const];
  return order
    .filter((k) => counts.has(k))
    .map((k) => ({
      key: k,
      label: k === 'pending' ? 'in progress' : INIT_OUTCOMES[k].label,
      count: counts.get(k)!,
      tone: k === 'pending' ? 'wait' : INIT_OUTCOMES[k].success ? 'good' : 'bad',
    }));
}

/** This device's row in the run, once it ended: what the details panel says next. */
export function settledRowOf(run: InitRunState | null | undefined, deviceId: string): InitRow | undefined {
  return run?.rows.find((r) => r.deviceId === deviceId && r.outcome !== undefined);
}
