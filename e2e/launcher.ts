import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findElectron } from '../scripts/electron-path.mjs';
import { chromium, _electron, type Browser, type BrowserContext, type ElectronApplication, type Page } from '@playwright/test';

/** Debian's Chromium; `npx playwright install` cannot work where there is no internet. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`No Chromium found (looked at ${candidates.join(', ')}). Install it: apt-get install chromium.`);
  return found;
}

/** Flags for Chromium here: no sandbox as root, and no background traffic to the internet. */
export function chromiumArgs(extra: string[] = []): string[] {
  const args = ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-features=Translate,MediaRouter'];
  if (process.getuid?.() === 0) args.unshift('--no-sandbox');
  return [...args, ...extra];
}

/** Electron's binary path, or why it is missing (never downloads it). */
export function electronBinary(): { path?: string; why?: string } {
  return findElectron();
}

export interface Launched {
  page: Page;
  context: BrowserContext;
  /** Everything the host printed, for the failure report. */
  output(): string;
  close(): Promise<void>;
}

/** The browser host as a child process, plus Chromium on its URL. */
export async function launchBrowserHost(env: NodeJS.ProcessEnv, browserArgs: string[]): Promise<Launched> {
  const child = spawn(process.execPath, ['out/main/host.js', '--exit-with-stdin'], { env, stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = await waitForUrl(child, () => output);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs(browserArgs) });
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    await page.goto(url);
    return {
      page,
      context,
      output: () => output,
      async close() {
        // Context first: Playwright's failure hooks run on context close.
        await context.close().catch(() => undefined);
        await browser?.close().catch(() => undefined);
        await stopChild(child);
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    await stopChild(child);
    throw err;
  }
}

/** The real Electron app through Playwright's _electron (where its binary exists). */
export async function launchElectron(env: NodeJS.ProcessEnv): Promise<Launched> {
  const bin = electronBinary();
  if (!bin.path) {
    throw new Error(`E2E_ELECTRON=1 asks for the Electron app, but Electron's binary is missing (${bin.why}). Install it with network access (npm ci without ELECTRON_SKIP_BINARY_DOWNLOAD), or run without E2E_ELECTRON.`);
  }
  let output = '';
  const app: ElectronApplication = await _electron.launch({ executablePath: bin.path, args: ['out/main/electron.js'], env: env as Record<string, string> });
  app.process().stdout?.on('data', (d) => (output += d));
  app.process().stderr?.on('data', (d) => (output += d));
  const page = await app.firstWindow();
  return { page, context: app.context(), output: () => output, close: () => app.close() };
}

function waitForUrl(child: ChildProcessWithoutNullStreams, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The browser host did not start within 30 s:\n${output()}`)), 30_000);
    let buffered = '';
    const onData = (d: Buffer) => {
      buffered += d.toString();
      for (const line of buffered.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const msg = JSON.parse(line) as { event?: string; url?: string };
          if (msg.event === 'listening' && msg.url) {
            clearTimeout(timer);
            child.stdout.off('data', onData);
            resolve(msg.url);
          }
        } catch {
          // not our line yet
        }
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The browser host exited with ${code} before listening:\n${output()}`));
    });
  });
}

async function stopChild(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
