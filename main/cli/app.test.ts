// The CLI as a host (main/cli/app.ts) against the simulated site (loopback 127.62.21.0/24 only, this file's own).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { runCliCaptured } from '../../test/support/cli';
import { filesUnder } from '../../test/support/files';
import { cliApp } from './app';

const WRONG = 'Not-the-pass-7';

describe('the CLI builds the app through the composition root', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite({ block: '127.62.21', cameras: 1 });
  });
  afterAll(async () => {
    await site?.stop();
  });

  it("spends the app's one failure budget: the gate in <data>/credential-gate.jsonl counts across runs and the app sees it; no password on disk", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nvr-cli-gate-'));
    const env = { ...process.env, NVR_DATA_DIR: dataDir };
    const channels = () => runCliCaptured(['nvr', 'channels', '--nvr', rpcOf(site).url, '--username', 'admin', '--secrets-stdin', '--json'], JSON.stringify({ password: WRONG }), env);
    const sent = rpcOf(site).stats().loginFailures;
    for (let run = 0; run < 3; run++) expect((await channels()).code).toBe(1);
    // The gate allows 2 refused sign-ins per device: the third run is refused here, before anything reaches the NVR.
    expect(rpcOf(site).stats().loginFailures).toBe(sent + 2);
    expect(readFileSync(join(dataDir, 'credential-gate.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    // The app, started on the same data folder, holds the same budget.
    const app = cliApp({ NVR_DATA_DIR: dataDir });
    expect(app.base().ctx.gate.status(rpcOf(site).url).failures).toBe(2);
    app.close();
    for (const f of filesUnder(dataDir)) expect(readFileSync(f, 'utf8'), f).not.toContain(WRONG);
  });

  it('builds nothing for a command that signs in nowhere (help, a usage error): no data folder is written', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'nvr-cli-none-')), 'data');
    const env = { ...process.env, NVR_DATA_DIR: dataDir };
    expect((await runCliCaptured(['nvr', 'channels'], '', env)).code).toBe(2);
    expect((await runCliCaptured(['--help'], '', env)).code).toBe(0);
    expect(filesUnder(dataDir)).toEqual([]);
  });

  it('gives the features a keychain that holds nothing beyond this process: no Secret Service is asked', async () => {
    const app = cliApp({ NVR_DATA_DIR: mkdtempSync(join(tmpdir(), 'nvr-cli-kc-')) });
    const { keychain } = app.base();
    expect(await keychain.probe()).toEqual({ available: true });
    expect(await keychain.get('case:none')).toBeNull();
    app.close();
  });
});
