import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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
  /** This test's own data folder (created empty for it, removed after it). */
  dataDir: string;
  /** Quit and relaunch on the same data folder (resume tests); extra env merges in. */
  restart(env?: Record<string, string>): Promise<void>;
  /** Calls the contract from the test, through the page's window.nvr (as the renderer would). */
  call<K extends CallName>(name: K, ...input: CallInput<K> extends void | undefined ? [] : [CallInput<K>]): Promise<CallOutput<K>>;
  /**
   * Subscribes to the event in the page, and only once the subscription is in
   * place runs `action`; resolves with the first such event pushed after that.
   */
  nextEvent<E extends EventName>(name: E, action: () => Promise<unknown>, timeoutMs?: number): Promise<EventPayload<E>>;
  /** The next URL the app handed to the OS (test hooks record instead of opening a mail client). */
  externalOpened(timeoutMs?: number): Promise<string>;
  /** Host output and the app log, for assertions and failure reports. */
  logText(): string;
}

interface Fixtures {
  /** Run the app where keytar cannot reach any Secret Service (the keychain-unavailable path). */
  noKeyring: boolean;
  /** axe-core on the page as it is now; fails on serious or critical violations. */
  axe: (screen: string) => Promise<void>;
  /** A 1280×800 screenshot of the app as it is now, saved under the test's screens/ and attached. */
  screenAt1280: (name: string) => Promise<void>;
  siteOptions: SiteOptions;
  appEnv: Record<string, string>;
  browserArgs: string[];
  site: Site;
  app: AppHandle;
}

/** What a failure screenshot hides: password inputs and anything marked data-secret (DEVELOPERS.md). */
export const SECRET_FIELDS = 'input[type="password"], [data-secret]';
/** The colour of the mask over them (Playwright's default, stated so a test can look for it). */
export const MASK_COLOR = '#FF00FF';

/** Events every page subscribes to at launch (a waiter needs no page subscription of its own). */
const PREWIRED = ['app.externalOpened', 'app.notice'];

let blockCounter = 0;
/** A 127.N.M.0/24 block of our own per test, so sites never answer each other. */
function nextBlock(info: TestInfo): string {
  blockCounter += 1;
  return `127.${30 + (info.workerIndex % 200)}.${blockCounter % 250}`;
}

export const test = base.extend<Fixtures>({
  noKeyring: [false, { option: true }],
  siteOptions: [{}, { option: true }],
  appEnv: [{}, { option: true }],
  browserArgs: [[], { option: true }],

  axe: async ({ app }, use, testInfo) => {
    await use((screen) => axeCheck(app.page, screen, testInfo));
  },
  screenAt1280: async ({ app }, use, testInfo) => {
    await use((name) => screenShot(app.page, name, testInfo));
  },

  site: async ({ siteOptions }, use, testInfo) => {
    const site = await startSite({ block: nextBlock(testInfo), ...siteOptions });
    await use(site);
    await site.stop();
  },

  app: async ({ site, appEnv, browserArgs, noKeyring }, use, testInfo) => {
    void site; // the site starts first, so the app's discovery at launch finds it
    const dataDir = mkdtempSync(join(tmpdir(), 'nvr-e2e-'));
    const baseEnv = {
      ...process.env,
      NVR_DATA_DIR: dataDir,
      NVR_TEST_HOOKS: '1',
      NVR_INTERFACES: '127.0.0.1',
      // A bus address nothing listens on: keytar fails at once, as on a machine with no keyring running.
      ...(noKeyring ? { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/nvr-no-keyring' } : {}),
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
      }, PREWIRED);
    };
    await launch(baseEnv);

    /** A waiter for the next `name` event, registered now; rejects after timeoutMs. */
    const waitFor = (name: string, timeoutMs: number) => {
      const p = new Promise<unknown>((resolve, reject) => {
        const w = { name, resolve };
        waiters.add(w);
        setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`No ${name} event within ${timeoutMs} ms`));
        }, timeoutMs).unref();
      });
      p.catch(() => undefined); // a timeout while the action still runs is reported when awaited, not as unhandled
      return p;
    };

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
      async nextEvent(name, action, timeoutMs = 20_000) {
        const next = waitFor(name, timeoutMs);
        if (!PREWIRED.includes(name)) {
          // Awaited: the page is subscribed before the action can cause the event.
          await launched.page.evaluate((n) => {
            const win = window as unknown as { nvr: { on(n: string, l: (p: unknown) => void): () => void }; __nvrTestEvent(n: string, p: unknown): void };
            const off = win.nvr.on(n, (p) => {
              off();
              win.__nvrTestEvent(n, p);
            });
          }, name as string);
        }
        await action();
        return (await next) as never;
      },
      externalOpened(timeoutMs = 20_000) {
        // Pre-wired at launch: the waiter registered here, before the caller's action, is enough.
        return waitFor('app.externalOpened', timeoutMs).then((p) => (p as { url: string }).url);
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
        .screenshot({ path: testInfo.outputPath('failure.png'), fullPage: true, mask: [page.locator(SECRET_FIELDS)], maskColor: MASK_COLOR })
        .then((body) => testInfo.attach('failure screenshot', { body, contentType: 'image/png' }))
        .catch(() => undefined);
      await testInfo.attach('app log', { body: handle.logText(), contentType: 'text/plain' });
    }
    await launched.close();
    rmSync(dataDir, { recursive: true, force: true });
  },
});

export { axeCheck, screenShot };

async function axeCheck(page: Page, screen: string, testInfo: TestInfo): Promise<void> {
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    await testInfo.attach(`axe ${screen}`, { body: JSON.stringify(bad, null, 2), contentType: 'application/json' });
  }
  expect(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`),
    `axe-core on the ${screen} screen`,
  ).toEqual([]);
}

async function screenShot(page: Page, name: string, testInfo: TestInfo): Promise<void> {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1280, height: 800 });
  // Fields with a password or code are masked, as in failure screenshots.
  const body = await page.screenshot({ path: testInfo.outputPath('screens', `${name}.png`), mask: [page.locator(SECRET_FIELDS)], maskColor: MASK_COLOR });
  await testInfo.attach(`screen ${name}`, { body, contentType: 'image/png' });
  if (size) await page.setViewportSize(size);
}

function appLog(dataDir: string): string {
  const dir = join(dataDir, 'logs');
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .map((f) => `\n--- ${f}\n${readFileSync(join(dir, f), 'utf8')}`)
    .join('');
}

export { expect };
