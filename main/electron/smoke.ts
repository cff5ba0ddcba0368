import type { BrowserWindow } from 'electron';
import { AppInfo } from '../../common/contract/app';

/**
 * `--smoke`: the packaged app's start-up check (the Release workflow runs it once
 * per OS). The window opens as usual; the page then asks the contract for
 * `app.info` through the preload and IPC, exactly as the renderer does, and the
 * app quits: exit 0 when the answer is valid and comes from the Electron host,
 * 1 otherwise (or when nothing answers in time). No electron import at runtime,
 * so the logic is unit-tested against fakes (smoke.test.ts).
 */
const SMOKE_FLAG = '--smoke';

/** What the page runs: the same call the renderer makes. */
export const SMOKE_SCRIPT = 'window.nvr.app.info()';

export interface SmokeDeps {
  /** Runs a script in the window's page and resolves with its (awaited) result. */
  evaluate(script: string): Promise<unknown>;
  /** The version this build is (app.getVersion()). */
  expectedVersion: string;
  /** One JSON line per result, on stdout. */
  write(line: string): void;
  timeoutMs?: number;
}

export interface SmokeResult {
  ok: boolean;
  message: string;
}

export function wantsSmoke(argv: readonly string[]): boolean {
  return argv.includes(SMOKE_FLAG);
}

export async function runSmoke(deps: SmokeDeps): Promise<SmokeResult> {
  const timeoutMs = deps.timeoutMs ?? 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`app.info did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  let result: SmokeResult;
  try {
    const answer = await Promise.race([deps.evaluate(SMOKE_SCRIPT), timeout]);
    const info = AppInfo.safeParse(answer);
    if (!info.success) {
      result = { ok: false, message: `app.info answered outside the contract: ${info.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
    } else if (info.data.host !== 'electron') {
      result = { ok: false, message: `app.info says host "${info.data.host}", expected "electron"` };
    } else {
      // A version mismatch is reported, not failed on. app.info's version now comes
      // from package.json at build time (main/core/version.ts), as app.getVersion()
      // does, so a mismatch means a stale build; this could become a failure.
      const note = info.data.version === deps.expectedVersion ? '' : ` (note: app.info reports version ${info.data.version}, this build is ${deps.expectedVersion})`;
      result = { ok: true, message: `${info.data.name} answered app.info in its window${note}` };
    }
  } catch (err) {
    result = { ok: false, message: `smoke start failed: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    clearTimeout(timer);
  }
  deps.write(JSON.stringify({ event: 'smoke', ok: result.ok, message: result.message }));
  return result;
}

/** The one hook in index.ts: after the window loaded, runs the check when asked and exits with its verdict. */
export function smokeIfAsked(argv: readonly string[], win: BrowserWindow, expectedVersion: string, exit: (code: number) => void): Promise<void> | undefined {
  if (!wantsSmoke(argv)) return undefined;
  return runSmoke({
    evaluate: (script) => win.webContents.executeJavaScript(script, true),
    expectedVersion,
    write: (line) => process.stdout.write(`${line}\n`),
  }).then((r) => exit(r.ok ? 0 : 1));
}
