import { join } from 'node:path';
import pLimit from 'p-limit';
import { AppError, type CallName } from '../../common/contract';
import type { InitRow, InitRunState, InitStartInput, InitTargetRef } from '../../common/contract/init';
import type { InventoryDevice } from '../../common/domain/device';
import { isIpv4 } from '../../common/discovery/net';
import { initCsv, initJson } from '../../common/init/report';
import { maskEmail, parseInitAddress } from '../../common/init/rules';
import type { Feature, ServiceContext } from '../core/context';
import type { Handler, Handlers } from '../core/dispatch';
import { readCapability, type CapabilityTarget } from './capability';
import { INIT_DEFAULTS, initSecretsProblem, initTarget, InitRun, type InitRunOptions, type InitSecrets } from './engine';
import { findUnfinished } from './journal';

type InitHandlers = Pick<Handlers, Extract<CallName, `init.${string}`>>;

export interface InitDeps {
  /** A reset case's new password (its OS keychain entry); given by the composition root, like main/nvr's. */
  casePassword?: (caseId: string) => Promise<string | null | undefined>;
  /** The cases feature's `cases.get`: the case's registered e-mail is the default reset e-mail. */
  caseGet?: Handler<'cases.get'>;
  /** The discovery feature's `devices.list`: an inventory row's address, web port and DHIP state. */
  devicesList?: Handler<'devices.list'>;
  /** The discovery feature's `devices.scan`: after a run, the inventory hears the devices' new DHIP state. */
  devicesScan?: Handler<'devices.scan'>;
  /** Engine knobs for tests (short timeouts, a journal that fails). */
  engine?: Partial<Pick<InitRunOptions, 'timeoutMs' | 'retryMs' | 'proveTries' | 'openJournalFile'>>;
}

interface Held {
  run: InitRun;
  emailMasked?: string;
}

/** A device to act on, resolved: its web address and, when the inventory has it, its row. */
type Resolved = CapabilityTarget & { xaddrs: string[] };

const PROGRESS_MS = 100;

/**
 * init.* verbs: initialise factory-fresh devices with the site's password (the
 * open case's or typed), one run at a time, resumable; and reset capability at
 * a glance. Every secret is registered with the logger before anything else.
 */
export async function setupInit(ctx: ServiceContext, deps: InitDeps = {}): Promise<Feature<InitHandlers>> {
  const log = ctx.log.child('init');
  const dir = join(ctx.dataDir, 'init');
  const runs = new Map<string, Held>();
  let latest: string | undefined;
  const call = { host: ctx.host.kind };

  // Rows are batched: a run over many devices changes rows several times a second.
  const dirty = new Map<string, Map<string, InitRow>>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    for (const [runId, rows] of dirty) ctx.events.emit('init.progress', { runId, rows: [...rows.values()] });
    dirty.clear();
  };
  const onRow = (runId: string) => (row: InitRow) => {
    let m = dirty.get(runId);
    if (!m) dirty.set(runId, (m = new Map()));
    m.set(row.key, row);
    timer ??= setTimeout(flush, PROGRESS_MS);
  };

  const state = (h: Held): InitRunState => ({
    runId: h.run.runId,
    startedAt: h.run.startedAt,
    ...(h.run.finishedAt !== undefined ? { finishedAt: h.run.finishedAt } : {}),
    running: h.run.running,
    ...(h.emailMasked ? { emailMasked: h.emailMasked } : {}),
    rows: h.run.snapshot(),
  });

  const find = (runId?: string): Held => {
    const h = (runId ?? latest) ? runs.get((runId ?? latest)!) : undefined;
    if (!h) throw new AppError('not-found', runId ? `No init run ${runId} in this session.` : 'No init run yet.');
    return h;
  };

  const resolve = (refs: InitTargetRef[]) => resolveTargets(ctx, refs, deps.devicesList ? await0(deps.devicesList(undefined, call)) : Promise.resolve([]));

  /** A device that ended initialised lends its proven password to the inventory's ONVIF reads (no guessing there). */
  const remember = (targets: Resolved[], secrets: InitSecrets) => (row: InitRow) => {
    if (row.outcome !== 'initialised') return;
    for (const xaddr of targets.find((t) => t.key === row.key)?.xaddrs ?? []) ctx.credentials.set(xaddr, { username: 'admin', password: secrets.password });
  };

  const startRun = async (targets: Resolved[], secrets: InitSecrets, emailMasked: string | undefined, concurrency?: number) => {
    const keys = targets.map((t) => t.key);
    const unfinished = findUnfinished(dir, keys);
    const journalPath = unfinished?.path ?? join(dir, `${new Date(ctx.clock.now()).toISOString().replace(/[:.]/g, '-')}-${keys.length}.jsonl`);
    let runId = '';
    const lend = remember(targets, secrets);
    let run: InitRun;
    try {
      run = await InitRun.create({
        ...deps.engine,
        targets: targets.map((t) => initTarget(t.url, t.deviceId)),
        journalPath,
        gate: ctx.gate,
        clock: ctx.clock,
        concurrency: concurrency ?? INIT_DEFAULTS.concurrency,
        onRow: (row) => (lend(row), onRow(runId)(row)),
        onRequest: (key, method) => log.debug('init request', { device: key, method }),
      });
    } catch (err) {
      throw new AppError('unavailable', (err as Error).message);
    }
    runId = run.runId;
    const h: Held = { run, ...(emailMasked ? { emailMasked } : {}) };
    runs.set(runId, h);
    latest = runId;
    log.info(unfinished ? 'resuming an interrupted init run' : 'init run started', { runId, devices: targets.length });
    void run
      .run(secrets)
      .then((rows) => {
        flush();
        const counts = rows.reduce<Record<string, number>>((a, r) => ((a[r.outcome ?? 'none'] = (a[r.outcome ?? 'none'] ?? 0) + 1), a), {});
        if (run.journalError) log.error('init run stopped: journal write failed', { runId, error: run.journalError.message });
        log.info('init run finished', { runId, counts });
        ctx.events.emit('init.finished', state(h));
        // Initialised devices now answer DHIP with Init 2: a scan puts that on their inventory rows.
        if (rows.some((r) => r.outcome === 'initialised') && deps.devicesScan) {
          void Promise.resolve(deps.devicesScan({ timeoutMs: 3000 }, call)).catch((err: unknown) => log.info('inventory refresh after init skipped', { error: String(err) }));
        }
      })
      .catch((err: unknown) => log.error('init run crashed', { runId, error: String(err) }));
    return { runId, resumed: !!unfinished };
  };

  const handlers: InitHandlers = {
    'init.start': async (input) => {
      if ([...runs.values()].some((h) => h.run.running)) throw new AppError('conflict', 'An init run is already going; cancel it or wait for it to end.');
      const secrets = await secretsFor(ctx, deps, input);
      const problem = initSecretsProblem(secrets);
      if (problem) throw new AppError('bad-request', problem);
      const targets = await resolve(input.targets);
      return startRun(targets, secrets, secrets.email ? maskEmail(secrets.email) : undefined, input.concurrency);
    },
    'init.cancel': (input) => ({ cancelled: find(input?.runId).run.cancel() }),
    'init.status': (input) => {
      const id = input?.runId ?? latest;
      const h = id ? runs.get(id) : undefined;
      return h ? state(h) : null;
    },
    'init.report': ({ runId, format }) => {
      const s = state(find(runId));
      const base = `device-init-${s.runId}`;
      return format === 'csv' ? { filename: `${base}.csv`, mime: 'text/csv', content: initCsv(s) } : { filename: `${base}.json`, mime: 'application/json', content: initJson(s) };
    },
    'init.capability': async ({ targets }) => {
      const resolved = await resolve(targets);
      const limit = pLimit(8);
      return Promise.all(resolved.map((t) => limit(() => readCapability(t, deps.engine?.timeoutMs ?? 4000))));
    },
  };

  return {
    handlers,
    async dispose() {
      if (timer) clearTimeout(timer);
      for (const h of runs.values()) {
        h.run.cancel();
        await h.run.close().catch(() => undefined);
      }
    },
  };
}

const await0 = <T>(v: T | Promise<T>): Promise<T> => Promise.resolve(v);

/** The password (the case's keychain entry, or typed) and the reset e-mail (given, else the case's), each registered as a secret at once. */
async function secretsFor(ctx: ServiceContext, deps: InitDeps, input: InitStartInput): Promise<InitSecrets> {
  if (input.newPassword !== undefined) ctx.secrets.add(input.newPassword);
  if (input.email) ctx.secrets.add(input.email);
  let password = input.newPassword;
  let email = input.email;
  if (input.caseId !== undefined) {
    if (!deps.casePassword) throw new AppError('unavailable', "This host cannot read a reset case's password; type the new password instead.");
    try {
      password = (await deps.casePassword(input.caseId)) ?? undefined;
    } catch (e) {
      throw new AppError('unavailable', `${(e as Error).message} Type the new password instead.`);
    }
    if (!password) throw new AppError('not-found', 'No new password is stored for this case; type it instead.');
    ctx.secrets.add(password);
    if (email === undefined && deps.caseGet) email = (await deps.caseGet({ caseId: input.caseId }, { host: ctx.host.kind }))?.email;
    if (email) ctx.secrets.add(email);
  }
  return { password: password!, email: email ?? '' };
}

/**
 * Each reference as a device web address: an inventory row's first address and
 * the web port its DHIP answer gave (80 otherwise), or the address as typed
 * (matched to an inventory row when one has it). While the demo's simulated
 * site runs, nothing beyond loopback.
 */
async function resolveTargets(ctx: ServiceContext, refs: InitTargetRef[], inventory: Promise<InventoryDevice[]>): Promise<Resolved[]> {
  const devices = await inventory;
  const out = new Map<string, Resolved>();
  for (const ref of refs) {
    const row = 'deviceId' in ref ? devices.find((d) => d.id === ref.deviceId) : devices.find((d) => d.addresses.includes(new URL(ref.address).hostname));
    if ('deviceId' in ref && !row) throw new AppError('not-found', `No device ${ref.deviceId} in the inventory; scan again or give its address.`);
    const address = 'address' in ref ? ref.address : row!.addresses[0];
    if (!address) throw new AppError('bad-request', `The device ${row!.id} has no address the app can reach.`);
    const parsed = 'address' in ref ? { ok: true as const, url: ref.address } : parseInitAddress(`${address}:${row!.dhip?.httpPort ?? 80}`);
    if (!parsed.ok) throw new AppError('bad-request', `The device ${row?.id ?? address} has an address the app cannot use (${parsed.reason}).`);
    const host = new URL(parsed.url).hostname;
    if (ctx.options.embeddedSim && !(isIpv4(host) && host.startsWith('127.'))) {
      throw new AppError('refused', `The demo's simulated site is running, and while it runs the app does not initialise devices beyond this computer (127.x addresses): ${host} is on a real network.`);
    }
    out.set(parsed.url, { key: parsed.url, url: parsed.url, ...(row ? { deviceId: row.id } : {}), ...(row?.dhip ? { dhip: row.dhip } : {}), xaddrs: row?.xaddrs ?? [] });
  }
  return [...out.values()];
}
