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
import type { Logger } from '../core/log';
import { readCapability, type CapabilityTarget } from './capability';
import { INIT_DEFAULTS, initSecretsProblem, initTarget, InitRun, type InitRunOptions, type InitSecrets } from './engine';
import { findUnfinished } from './journal';
import { makeNvrGuard, type InitNvrSession } from './nvr-guard';
import { RowBatcher } from '../core/row-batcher';

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
  /**
   * The open NVR session (main/nvr's `session`, handed in by the composition root): just before a
   * device takes its account, the NVR's channels for it get the new password (nvr-guard.ts).
   */
  nvr?: InitNvrSession;
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
  const runs = new InitRuns(ctx, deps);
  const call = { host: ctx.host.kind };
  const resolve = (refs: InitTargetRef[]) => resolveTargets(ctx, refs, deps.devicesList ? await0(deps.devicesList(undefined, call)) : Promise.resolve([]));

  const handlers: InitHandlers = {
    'init.start': async (input) => {
      runs.refuseWhileRunning();
      // The panel asks first; main holds the line for any caller: no NVR session, no "no NVR" answer, no start.
      if (deps.nvr && !deps.nvr() && !input.withoutNvr) {
        throw new AppError('conflict', 'Sign in to the NVR first, so its channels for these devices get the new password before the devices take it; or confirm that no NVR records them (then close the loop right after).');
      }
      const secrets = await secretsFor(ctx, deps, input);
      const problem = initSecretsProblem(secrets);
      if (problem) throw new AppError('bad-request', problem);
      const targets = await resolve(input.targets);
      return runs.start(targets, secrets, secrets.email ? maskEmail(secrets.email) : undefined, input.concurrency);
    },
    'init.cancel': (input) => ({ cancelled: runs.find(input?.runId).run.cancel() }),
    'init.status': (input) => runs.status(input?.runId),
    'init.report': ({ runId, format }) => report(runs.state(runs.find(runId)), format),
    'init.capability': async ({ targets }) => {
      const resolved = await resolve(targets);
      const limit = pLimit(8);
      return Promise.all(resolved.map((t) => limit(() => readCapability(t, deps.engine?.timeoutMs ?? 4000))));
    },
  };
  return { handlers, dispose: () => runs.dispose() };
}

/** The run's rows as a file to keep: CSV or JSON. */
function report(s: InitRunState, format: 'csv' | 'json') {
  const base = `device-init-${s.runId}`;
  return format === 'csv' ? { filename: `${base}.csv`, mime: 'text/csv', content: initCsv(s) } : { filename: `${base}.json`, mime: 'application/json', content: initJson(s) };
}


/** The runs of this session, the latest one first in line for status and cancel. */
class InitRuns {
  private readonly runs = new Map<string, Held>();
  private latest: string | undefined;
  /** One init.progress per run at most every PROGRESS_MS. */
  private readonly batch: RowBatcher<InitRow>;
  private readonly log: Logger;
  private readonly dir: string;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly deps: InitDeps,
  ) {
    this.log = ctx.log.child('init');
    this.dir = join(ctx.dataDir, 'init');
    this.batch = new RowBatcher<InitRow>((runId, rows) => ctx.events.emit('init.progress', { runId, rows }), PROGRESS_MS);
  }

  refuseWhileRunning(): void {
    if ([...this.runs.values()].some((h) => h.run.running)) throw new AppError('conflict', 'An init run is already going; cancel it or wait for it to end.');
  }

  find(runId?: string): Held {
    const id = runId ?? this.latest;
    const h = id ? this.runs.get(id) : undefined;
    if (!h) throw new AppError('not-found', runId ? `No init run ${runId} in this session.` : 'No init run yet.');
    return h;
  }

  status(runId?: string): InitRunState | null {
    const id = runId ?? this.latest;
    const h = id ? this.runs.get(id) : undefined;
    return h ? this.state(h) : null;
  }

  state(h: Held): InitRunState {
    return {
      runId: h.run.runId,
      startedAt: h.run.startedAt,
      ...(h.run.finishedAt !== undefined ? { finishedAt: h.run.finishedAt } : {}),
      running: h.run.running,
      ...(h.emailMasked ? { emailMasked: h.emailMasked } : {}),
      rows: h.run.snapshot(),
    };
  }

  /** Opens the run (resuming an interrupted one over the same devices) and lets it go in the background. */
  async start(targets: Resolved[], secrets: InitSecrets, emailMasked: string | undefined, concurrency?: number): Promise<{ runId: string; resumed: boolean }> {
    const unfinished = findUnfinished(this.dir, targets.map((t) => t.key));
    const run = await this.open(targets, secrets, unfinished?.path, concurrency);
    const h: Held = { run, ...(emailMasked ? { emailMasked } : {}) };
    this.runs.set(run.runId, h);
    this.latest = run.runId;
    this.log.info(unfinished ? 'resuming an interrupted init run' : 'init run started', { runId: run.runId, devices: targets.length });
    void run
      .run(secrets)
      .then((rows) => this.finished(h, rows))
      .catch((err: unknown) => this.log.error('init run crashed', { runId: run.runId, error: String(err) }));
    return { runId: run.runId, resumed: !!unfinished };
  }

  async dispose(): Promise<void> {
    this.batch.stop();
    for (const h of this.runs.values()) {
      h.run.cancel();
      await h.run.close().catch(() => undefined);
    }
  }

  private async open(targets: Resolved[], secrets: InitSecrets, resumePath: string | undefined, concurrency?: number): Promise<InitRun> {
    const journalPath = resumePath ?? join(this.dir, `${new Date(this.ctx.clock.now()).toISOString().replace(/[:.]/g, '-')}-${targets.length}.jsonl`);
    const lend = lendProvenPassword(this.ctx, targets, secrets);
    // The run's id is known once it is open; rows only come once it runs.
    let runId = '';
    try {
      const run = await InitRun.create({
        ...this.deps.engine,
        targets: targets.map((t) => initTarget(t.url, t.deviceId)),
        journalPath,
        gate: this.ctx.gate,
        clock: this.ctx.clock,
        ...(this.deps.nvr ? { nvr: makeNvrGuard(this.deps.nvr, secrets.password, (p) => this.ctx.secrets.add(p)) } : {}),
        concurrency: concurrency ?? INIT_DEFAULTS.concurrency,
        onRow: (row) => (lend(row), this.batch.add(runId, row)),
        onRequest: (key, method) => this.log.debug('init request', { device: key, method }),
      });
      runId = run.runId;
      return run;
    } catch (err) {
      throw new AppError('unavailable', (err as Error).message);
    }
  }

  private finished(h: Held, rows: InitRow[]): void {
    const { runId } = h.run;
    this.batch.flush();
    const counts = rows.reduce<Record<string, number>>((a, r) => ((a[r.outcome ?? 'none'] = (a[r.outcome ?? 'none'] ?? 0) + 1), a), {});
    if (h.run.journalError) this.log.error('init run stopped: journal write failed', { runId, error: h.run.journalError.message });
    this.log.info('init run finished', { runId, counts });
    this.ctx.events.emit('init.finished', this.state(h));
    // Initialised devices now answer DHIP with Init 2: a scan puts that on their inventory rows.
    if (rows.some((r) => r.outcome === 'initialised') && this.deps.devicesScan) {
      void Promise.resolve(this.deps.devicesScan({ timeoutMs: 3000 }, { host: this.ctx.host.kind })).catch((err: unknown) =>
        this.log.info('inventory refresh after init skipped', { error: String(err) }),
      );
    }
  }
}

/** A device that ended initialised lends its proven password to the inventory's ONVIF reads (no guessing there). */
function lendProvenPassword(ctx: ServiceContext, targets: Resolved[], secrets: InitSecrets) {
  return (row: InitRow) => {
    if (row.outcome !== 'initialised') return;
    for (const xaddr of targets.find((t) => t.key === row.key)?.xaddrs ?? []) ctx.credentials.set(xaddr, { username: 'admin', password: secrets.password });
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
