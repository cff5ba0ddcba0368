import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import type { CallInput, CallName, CallOutput, EventName, EventPayload } from '../common/contract';
import { startSite, type Site, type SiteOptions } from '../sim/site';
import { launchBrowserHost, launchElectron, type Launched } from './launcher';

/** The app under test, whichever host runs it. */
export interface AppHandle {
  page: Page;
  context: BrowserContext;
  dataDir: string;
  /** Quit and relaunch on the same data folder (resume tests); extra env merges in. */
  restart(env?: Record<string, string>): Promise<void>;
  /** Calls the contract from the test, through the page's window.nvr (as the renderer would). */
  call<K extends CallName>(name: K, ...input: CallInput<K> extends void | undefined ? [] : [CallInput<K>]): Promise<CallOutput<K>>;
  /** Resolves with the next event of that name the app pushes to the renderer (after this call). */
  nextEvent<E extends EventName>(name: E, timeoutMs?: number): Promise<EventPayload<E>>;
  /** The next URL the app handed to the OS (test hooks record instead of opening a mail client). */
  externalOpened(timeoutMs?: number): Promise<string>;
  /** Host output and the app log, for assertions and failure reports. */
  logText(): string;
}

interface Fixtures {
  siteOptions: SiteOptions;
  appEnv: Record<string, string>;
  browserArgs: string[];
  site: Site;
  app: AppHandle;
}

let blockCounter = 0;
/** A 127.N.M.0/24 block of our own per test, so sites never answer each other. */
function nextBlock(info: TestInfo): string {
  blockCounter += 1;
  return `127.${30 + (info.workerIndex % 200)}.${blockCounter % 250}`;
}

export const test = base.extend<Fixtures>({
  siteOptions: [{}, { option: true }],
  appEnv: [{}, { option: true }],
  browserArgs: [[], { option: true }],

  site: async ({ siteOptions }, use, testInfo) => {
    const site = await startSite({ block: nextBlock(testInfo), ...siteOptions });
    await use(site);
    await site.stop();
  },

  app: async ({ site, appEnv, browserArgs }, use, testInfo) => {
    void site; // the site starts first, so the app's discovery at launch finds it
    const dataDir = mkdtempSync(join(tmpdir(), 'nvr-e2e-'));
    const baseEnv = {
      ...process.env,
      NVR_DATA_DIR: dataDir,
      NVR_TEST_HOOKS: '1',
      NVR_INTERFACES: '127.0.0.1',
      ...appEnv,
    };
    const electron = process.env.E2E_ELECTRON === '1';
    const events: { name: string; payload: unknown }[] = [];
    const waiters = new Set<{ name: string; resolve: (p: unknown) => void }>();
    let launched!: Launched;
    let outputs = '';

    const launch = async (env: NodeJS.ProcessEnv) => {
      launched = electron ? await launchElectron(env) : await launchBrowserHost(env, browserArgs);
      const { page } = launched;
      await page.exposeFunction('__nvrTestEvent', (name: string, payload: unknown) => {
        events.push({ name, payload });
        for (const w of waiters) {
          if (w.name !== name) continue;
          waiters.delete(w);
          w.resolve(payload);
        }
      });
      await expect(page.locator('[data-ready="true"]')).toBeVisible();
      await page.evaluate((names) => {
        const w = window as unknown as { nvr: { on(n: string, l: (p: unknown) => void): void }; __nvrTestEvent(n: string, p: unknown): void };
        for (const n of names) w.nvr.on(n, (p) => w.__nvrTestEvent(n, p));
      }, ['app.externalOpened', 'app.notice']);
    };
    await launch(baseEnv);

    const handle: AppHandle = {
      get page() {
        return launched.page;
      },
      get context() {
        return launched.context;
      },
      dataDir,
      async restart(env = {}) {
        outputs += launched.output();
        await launched.close();
        await launch({ ...baseEnv, ...env });
      },
      call(name, ...input) {
        return launched.page.evaluate(
          ([n, i]) => {
            const [ns, verb] = (n as string).split('.') as [string, string];
            const api = (window as unknown as { nvr: Record<string, Record<string, (x?: unknown) => Promise<unknown>>> }).nvr;
            return api[ns]![verb]!(i);
          },
          [name, input[0]] as const,
        ) as never;
      },
      nextEvent(name, timeoutMs = 20_000) {
        // Subscribes in the page for any contract event, not only the two pre-wired ones.
        return new Promise((resolve, reject) => {
          const w = { name, resolve: resolve as (p: unknown) => void };
          waiters.add(w);
          setTimeout(() => {
            waiters.delete(w);
            reject(new Error(`No ${name} event within ${timeoutMs} ms`));
          }, timeoutMs).unref();
          void launched.page.evaluate((n) => {
            const win = window as unknown as { nvr: { on(n: string, l: (p: unknown) => void): () => void }; __nvrTestEvent(n: string, p: unknown): void };
            if (n === 'app.externalOpened' || n === 'app.notice') return;
            const off = win.nvr.on(n, (p) => {
              off();
              win.__nvrTestEvent(n, p);
            });
          }, name as string);
        });
      },
      externalOpened(timeoutMs) {
        return handle.nextEvent('app.externalOpened', timeoutMs).then((p) => p.url);
      },
      logText() {
        return outputs + launched.output() + appLog(dataDir);
      },
    };

    await use(handle);

    // A failing test leaves a screenshot and the app log behind; fields that
    // hold a password or code (marked data-secret) are masked in the picture.
    if (testInfo.status !== testInfo.expectedStatus || testInfo.errors.length > 0) {
      const { page } = launched;
      await page
        .screenshot({ path: testInfo.outputPath('failure.png'), fullPage: true, mask: [page.locator('input[type="password"], [data-secret]')] })
        .then((body) => testInfo.attach('failure screenshot', { body, contentType: 'image/png' }))
        .catch(() => undefined);
      await testInfo.attach('app log', { body: handle.logText(), contentType: 'text/plain' });
    }
    await launched.close();
  },
});

function appLog(dataDir: string): string {
  const dir = join(dataDir, 'logs');
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .map((f) => `\n--- ${f}\n${readFileSync(join(dir, f), 'utf8')}`)
    .join('');
}

export { expect };
