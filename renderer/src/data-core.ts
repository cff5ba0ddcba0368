import type { QueryClient } from '@tanstack/react-query';
import type { NvrApi } from '../../common/contract/client';
import type { CaseList } from '../../common/contract/reset';
import type { Diagnostic, ScanState } from '../../common/contract/devices';
import type { SyncRunState } from '../../common/contract/sync';
import type { SiteLoopState } from '../../common/contract/site';
import type { NvrSnapshot, NvrStatus } from '../../common/contract/nvr';
import type { InitRunState } from '../../common/contract/init';
import type { InventoryDevice } from '../../common/domain/device';
import type { ResetCase } from '../../common/reset/case';
import type { z } from 'zod';
import { applyChange } from '../features/devices/model';
import { applyInitFinished, applyInitProgress, capabilitiesWanted, forgetCapabilities, mergeCapabilities, type Capabilities } from '../features/init/model';

/** Cache keys of the renderer's server state. */
export const keys = {
  devices: ['devices'] as const,
  diagnostics: ['devices', 'diagnostics'] as const,
  scan: ['devices', 'scan'] as const,
  cases: ['cases'] as const,
  syncRun: ['sync', 'run'] as const,
  siteLoop: ['site', 'loop'] as const,
  info: ['app', 'info'] as const,
  /** The NVR session (nvr.status), and its last channel read (nvr.channels events). */
  nvrSession: ['nvr', 'session'] as const,
  nvrChannels: ['nvr', 'channels'] as const,
  /** The app's count of refused sign-ins per NVR address (nvr.status), read again after each sign-in try. */
  nvrBudget: ['nvr', 'budget'] as const,
  /** The latest init run (init.progress / init.finished keep it live). */
  initRun: ['init', 'run'] as const,
  /** Reset capability per inventory row (init.capability), by device id. */
  capabilities: ['init', 'capabilities'] as const,
};

const MAX_DIAGNOSTICS = 500;
export type Cases = z.infer<typeof CaseList>;
export type Devices = Map<string, InventoryDevice>;
type Api = Pick<NvrApi, 'on' | 'devices' | 'cases' | 'init'>;

/** Newer wins: a change that arrives out of order never rolls a case back. */
export function mergeCase(cases: ResetCase[], c: ResetCase): ResetCase[] {
  const old = cases.find((x) => x.id === c.id);
  return old && old.updatedAt > c.updatedAt ? cases : [c, ...cases.filter((x) => x.id !== c.id)];
}

type Early = { devices: { devices: InventoryDevice[]; removed?: string[] }[]; cases: ResetCase[] };
type Off = () => void;

/**
 * The session as an NVR read shows it: signed in to the read's NVR as its user
 * (no read: signed out); the app's count of refused sign-ins is kept.
 */
export function sessionAfterRead(s: NvrStatus | undefined, snap: NvrSnapshot | null): NvrStatus {
  const known = { failures: 0, maxFailures: 0, ...s };
  return snap ? { ...known, signedIn: true, url: snap.url, username: snap.username } : { ...known, signedIn: false };
}

/**
 * Main's contract events applied to the query cache, and the list fetchers that
 * fold in whatever arrived while they were loading (so nothing is lost between
 * "subscribe" and "list"). Pure of React and of the transport: tests pass a fake api.
 */
export function createDataCore(qc: QueryClient, api: Api) {
  const early: Early = { devices: [], cases: [] };
  const offs = [...inventoryEvents(qc, api, early), ...caseEvents(qc, api, early), ...runEvents(qc, api), ...nvrEvents(qc, api), ...initEvents(qc, api)];
  return { ...listFetchers(api, early), fetchCapabilities: capabilityFetcher(qc, api), stop: () => offs.forEach((off) => off()) };
}

/** The inventory, its diagnostics and the scan state; a change before the list arrives waits in `early`. */
function inventoryEvents(qc: QueryClient, api: Api, early: Early): Off[] {
  return [
    api.on('devices.changed', (change) => {
      if (qc.getQueryData(keys.devices) === undefined) early.devices.push(change);
      else qc.setQueryData<Devices>(keys.devices, (rows) => applyChange(rows ?? new Map(), change.devices, change.removed));
    }),
    api.on('devices.diagnostic', (d) => qc.setQueryData<Diagnostic[]>(keys.diagnostics, (xs) => [...(xs ?? []), d].slice(-MAX_DIAGNOSTICS))),
    api.on('devices.scanState', (s) => qc.setQueryData<ScanState>(keys.scan, s)),
  ];
}

/** The reset cases (newer wins); the app clock that their deadlines run on. */
function caseEvents(qc: QueryClient, api: Api, early: Early): Off[] {
  return [
    api.on('cases.changed', ({ case: c }) => {
      if (qc.getQueryData(keys.cases) === undefined) early.cases.push(c);
      else qc.setQueryData<Cases>(keys.cases, (l) => (l ? { ...l, cases: mergeCase(l.cases, c) } : l));
    }),
    api.on('app.clock', ({ clockOffsetMs }) =>
      qc.setQueryData(keys.info, (i: { clockOffsetMs: number } | undefined) => (i ? { ...i, clockOffsetMs } : i)),
    ),
  ];
}

/** The camera sync run and the close-the-loop board. */
function runEvents(qc: QueryClient, api: Api): Off[] {
  return [
    api.on('sync.progress', ({ runId, rows }) =>
      qc.setQueryData<SyncRunState | null>(keys.syncRun, (prev) => {
        if (!prev || prev.runId !== runId) return prev;
        const byKey = new Map(rows.map((r) => [r.key, r]));
        return { ...prev, rows: prev.rows.map((r) => byKey.get(r.key) ?? r) };
      }),
    ),
    api.on('sync.finished', (state) => qc.setQueryData<SyncRunState | null>(keys.syncRun, (prev) => (!prev || prev.runId === state.runId ? state : prev))),
    api.on('site.progress', (state) => {
      const before = qc.getQueryData<SiteLoopState | null>(keys.siteLoop);
      qc.setQueryData<SiteLoopState | null>(keys.siteLoop, state);
      // A run that ended changed what the NVR stores (a paused channel enabled again, new passwords): the NVR
      // view reads it again. The restore at sign-in is no run ending: that view says its read is older instead.
      if (before?.running === true && !state.running) void qc.invalidateQueries({ queryKey: keys.nvrChannels });
    }),
  ];
}

/** A fresh read of the NVR's channels: the snapshot both the NVR tab and the case's last step show, and the session it proves. */
function nvrEvents(qc: QueryClient, api: Api): Off[] {
  return [
    api.on('nvr.channels', (snap) => {
      qc.setQueryData<NvrSnapshot>(keys.nvrChannels, snap);
      qc.setQueryData<NvrStatus>(keys.nvrSession, (s) => sessionAfterRead(s, snap));
    }),
  ];
}

/** The init run on screen, and the reset capabilities an ended run made old. */
function initEvents(qc: QueryClient, api: Api): Off[] {
  return [
    api.on('init.progress', ({ runId, rows }) => {
      const prev = qc.getQueryData<InitRunState | null>(keys.initRun);
      // A run this screen has not read yet (started elsewhere, or its start still answering): read it whole.
      if (prev?.runId !== runId) void qc.invalidateQueries({ queryKey: keys.initRun });
      else qc.setQueryData(keys.initRun, applyInitProgress(prev, runId, rows));
    }),
    api.on('init.finished', (state) => {
      qc.setQueryData<InitRunState | null>(keys.initRun, (prev) => applyInitFinished(prev, state));
      // The run changed these devices (a password, a registered e-mail): what was read of them is old.
      const ids = state.rows.flatMap((r) => (r.deviceId ? [r.deviceId] : []));
      qc.setQueryData<Capabilities>(keys.capabilities, (known) => (known ? forgetCapabilities(known, ids) : known));
    }),
  ];
}

/** The inventory and case lists, with what changed while they loaded folded in. */
function listFetchers(api: Api, early: Early) {
  return {
    async fetchDevices(): Promise<Devices> {
      const list = await api.devices.list();
      let rows = applyChange(new Map(), list);
      for (const c of early.devices.splice(0)) rows = applyChange(rows, c.devices, c.removed);
      return rows;
    },
    async fetchCases(): Promise<Cases> {
      const l = await api.cases.list();
      return { ...l, cases: early.cases.splice(0).reduce(mergeCase, l.cases) };
    },
  };
}

/**
 * Asks main for the reset capability of the Dahua-family rows not known yet
 * (or whose init state changed), in one call, and folds the answers in.
 */
function capabilityFetcher(qc: QueryClient, api: Api) {
  const inflight = new Set<string>();
  return async (devices: Iterable<InventoryDevice>): Promise<void> => {
    const known = qc.getQueryData<Capabilities>(keys.capabilities) ?? new Map();
    const ask = capabilitiesWanted(devices, known, inflight);
    if (ask.length === 0) return;
    for (const d of ask) inflight.add(d.id);
    let result: Parameters<typeof mergeCapabilities>[2];
    try {
      result = { answers: await api.init.capability({ targets: ask.map((d) => ({ deviceId: d.id })) }) };
    } catch (e) {
      result = { error: e instanceof Error ? e.message : String(e) };
    } finally {
      for (const d of ask) inflight.delete(d.id);
    }
    qc.setQueryData<Capabilities>(keys.capabilities, (k) => mergeCapabilities(k ?? new Map(), ask, result));
  };
}
