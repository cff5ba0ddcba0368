import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SITE_CREDENTIALS } from '../sim/identities';

// What electron-builder would put in the installer, decided by electron-builder's
// own file matcher (the code `electron-builder` runs), applied to the real build.
const require = createRequire(import.meta.url);
const { FileMatcher } = require('app-builder-lib/out/fileMatcher') as {
  FileMatcher: new (from: string, to: string, expand: (p: string) => string, patterns: string[]) => { createFilter(): (file: string, stat: import('node:fs').Stats) => boolean };
};

const root = process.cwd();
const config = parse(readFileSync('electron-builder.yml', 'utf8')) as { files: string[] };
const SKIP = new Set(['node_modules', '.git', 'dist', 'test-results', 'playwright-report', '.tmp']);

/** Every file of the checkout that the `files` patterns would pack (production node_modules aside). */
function packedFiles(patterns: string[]): string[] {
  const filter = new FileMatcher(root, '/', (p) => p, patterns).createFilter();
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (dir === root && SKIP.has(name)) continue;
      const full = join(dir, name);
      const st = statSync(full);
      if (!filter(full, st)) continue;
      if (st.isDirectory()) walk(full);
      else out.push(relative(root, full).split(sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

const isDemoSource = (p: string) => /^(sim|demo)\//.test(p);
const MARKERS = [SITE_CREDENTIALS.camera.password, SITE_CREDENTIALS.nvr.password, SITE_CREDENTIALS.cameraOperator.password, 'simulated support mailbox'];

/** Why a packed set is wrong: simulator or demo code, the demo password, or a packed file importing one that is not packed. */
function violations(packed: string[]): string[] {
  const set = new Set(packed);
  const found: string[] = [];
  for (const file of packed) {
    if (isDemoSource(file) || file.startsWith('out/main/demo/')) found.push(`${file}: demo or simulator file`);
    if (!/\.(c?js|html)$/.test(file)) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of MARKERS) if (text.toLowerCase().includes(m.toLowerCase())) found.push(`${file}: contains "${m}"`);
    // The build's source map says which modules went into this file.
    if (existsSync(`${file}.map`)) {
      const { sources } = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
      for (const s of sources) {
        const src = relative(root, resolve(dirname(file), s)).split(sep).join('/');
        if (isDemoSource(src)) found.push(`${file}: built from ${src}`);
      }
    }
    // Every relative import of a packed file must be packed too (or the installer is broken).
    // Block comments are not imports (a bundled library's JSDoc example may show `import … from './X'`).
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '');
    for (const [, spec] of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["'](\.\.?\/[^"']+)["']/g)) {
      const target = relative(root, resolve(dirname(file), spec!)).split(sep).join('/');
      if (!set.has(target)) found.push(`${file}: imports ${target}, which is not packed`);
    }
  }
  return found;
}

beforeAll(() => {
  // The build under test is the current one: rebuilt when a source is newer.
  const r = spawnSync(process.execPath, ['scripts/ensure-built.mjs'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}, 120_000);

describe('the installer (electron-builder.yml `files` applied to the build)', () => {
  it('packs the product: both hosts, the CLI, the preload, the renderer', () => {
    const packed = packedFiles(config.files);
    for (const f of ['out/main/electron.js', 'out/main/host.js', 'out/main/cli.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'bin/nvr-console.js', 'package.json']) {
      expect(packed).toContain(f);
    }
    expect(packed.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('packs no simulator, no demo, no demo password; every packed import resolves inside the package', () => {
    expect(violations(packedFiles(config.files))).toEqual([]);
  });

  it('the check can fail: without the demo exclusion the demo build would be packed', () => {
    const loose = config.files.filter((p) => !p.includes('demo'));
    expect(loose).not.toEqual(config.files);
    const found = violations(packedFiles(loose));
    expect(found.some((v) => v.startsWith('out/main/demo/') && v.includes('demo or simulator file'))).toBe(true);
    expect(found.some((v) => v.includes(`contains "${SITE_CREDENTIALS.camera.password}"`))).toBe(true);
    expect(found.some((v) => v.includes('built from sim/'))).toBe(true);
  });

  it('the check can fail: packing sources, or leaving out a chunk the product imports', () => {
    expect(violations(packedFiles([...config.files, 'sim/**']))).toContainEqual(expect.stringMatching(/^sim\/.*demo or simulator file/));
    const chunk = packedFiles(config.files).find((f) => /^out\/main\/chunks\/.*\.js$/.test(f))!;
    expect(violations(packedFiles([...config.files, `!${chunk}`]))).toContainEqual(expect.stringContaining(`imports ${chunk}, which is not packed`));
  });
});

describe('the built browser host (out/main/host.js)', () => {
  // Runs the real entry with a preloaded module that misbehaves right after the
  // host says it is listening: the cause must be in app.log.
  async function runHost(misbehave: string) {
    const dataDir = mkdtempSync(join(tmpdir(), 'nvr-host-crash-'));
    const hook = `const w = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => { if (String(chunk).includes('"listening"')) setImmediate(() => { ${misbehave} }); return w(chunk, ...rest); };`;
    const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, 'out/main/host.js', '--exit-with-stdin'], {
      env: { ...process.env, NVR_DATA_DIR: dataDir, NVR_TEST_HOOKS: '0', NVR_INTERFACES: '127.0.0.1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const logText = () => (existsSync(join(dataDir, 'logs', 'app.log')) ? readFileSync(join(dataDir, 'logs', 'app.log'), 'utf8') : '');
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, logText, exited };
  }

  it('logs an unhandled rejection and keeps serving', async () => {
    const { child, logText, exited } = await runHost(`Promise.reject(new Error('boom-unhandled-test'));`);
    await expect.poll(logText, { timeout: 20_000 }).toMatch(/unhandled promise rejection.*boom-unhandled-test/);
    expect(child.exitCode).toBeNull();
    child.stdin.end();
    expect(await exited).toBe(0);
  });

  it('logs an uncaught exception before the process dies of it', async () => {
    const { logText, exited } = await runHost(`throw new Error('boom-uncaught-test');`);
    expect(await exited).not.toBe(0);
    expect(logText()).toMatch(/uncaught exception.*boom-uncaught-test/);
  });
});
