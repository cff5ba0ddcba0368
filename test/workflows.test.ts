import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The GitHub Actions workflows cannot run here (no runners, no Electron binary):
// they are checked against GitHub's workflow schema, against package.json (every
// `npm run X` exists) and against the README and .ci/run (the Linux job runs the
// same test command, read from the README so the two cannot drift).

const require = createRequire(import.meta.url);
const validatorCli = join(dirname(require.resolve('@action-validator/cli/package.json')), 'cli.mjs');
const workflowFiles = ['.github/workflows/ci.yml', '.github/workflows/release.yml'];
const pkgScripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  env?: Record<string, unknown>;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on': string;
  env?: Record<string, unknown>;
  needs?: string | string[];
  strategy?: { matrix?: { include?: Record<string, string>[] } & Record<string, unknown> };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const load = (file: string) => parse(readFileSync(file, 'utf8')) as Workflow;

/** `npx action-validator <file>`: GitHub's workflow schema, run by the CLI exactly as a developer would. */
function validate(file: string) {
  const r = spawnSync(process.execPath, [validatorCli, file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** Each value a `${{ matrix.x }}` can take in this job (include entries and plain axes). */
function matrixValues(job: Job, key: string): string[] {
  const m = job.strategy?.matrix;
  if (!m) return [];
  const fromInclude = (m.include ?? []).map((e) => e[key]).filter((v): v is string => typeof v === 'string');
  const axis = Array.isArray(m[key]) ? (m[key] as unknown[]).map(String) : [];
  return [...fromInclude, ...axis];
}

/** Every script a workflow (and the scripts it runs from .github/scripts) calls as `npm run X`, `npm test` or `npm start`. */
function npmScriptsCalled(wf: Workflow): string[] {
  const called = new Set<string>();
  const scan = (text: string, job: Job) => {
    // One variant of the text per value of the matrix key it uses (unexpandable: left as is, so reported missing).
    const expr = /\$\{\{\s*matrix\.(\w+)\s*\}\}/.exec(text);
    const values = expr ? matrixValues(job, expr[1]!) : [];
    const variants = expr && values.length > 0 ? values.map((v) => text.replaceAll(expr[0], v)) : [text];
    for (const variant of variants) {
      for (const m of variant.matchAll(/\bnpm\s+(?:run(?:-script)?\s+(?:(?:--silent|-s)\s+)?([^\s;&|]+)|(test|start|stop|restart)\b)/g)) called.add((m[1] ?? m[2])!);
    }
    for (const m of text.matchAll(/\bbash\s+(\.github\/scripts\/[\w.-]+\.sh)/g)) scan(readFileSync(m[1]!, 'utf8'), job);
  };
  for (const job of Object.values(wf.jobs)) for (const step of job.steps) if (step.run) scan(step.run, job);
  return [...called].sort();
}

const missingScripts = (wf: Workflow) => npmScriptsCalled(wf).filter((s) => !(s in pkgScripts));

/** The README's test command: the fenced block after "Run every test". */
const SETUP = 'bash scripts/setup.sh';

function readmeTestCommand(): string {
  const readme = readFileSync('README.md', 'utf8');
  const m = /Run every test[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no fenced block after "Run every test"');
  const lines = m[1]!.split('\n').map((l) => l.trim()).filter(Boolean);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('GitHub workflows', () => {
  it.each(workflowFiles)('%s passes action-validator (GitHub’s workflow schema)', (file) => {
    const r = validate(file);
    expect(r.output).toBe('');
    expect(r.ok).toBe(true);
  });

  it('the validator can fail: a misspelt key and a job without runs-on are caught', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvr-wf-'));
    const bad = join(dir, 'broken.yml');
    writeFileSync(bad, readFileSync('.github/workflows/ci.yml', 'utf8').replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest'));
    const r = validate(bad);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/runs/);
  });

  it.each(workflowFiles)('every `npm run X` in %s exists in package.json', (file) => {
    const wf = load(file);
    expect(npmScriptsCalled(wf).length).toBeGreaterThan(0);
    expect(missingScripts(wf)).toEqual([]);
  });

  it('the script check can fail: a workflow calling a script that does not exist is caught', () => {
    const wf = load('.github/workflows/release.yml');
    const broken = JSON.parse(JSON.stringify(wf).replace('npm run dist:${{ matrix.platform }}', 'npm run package:${{ matrix.platform }}')) as Workflow;
    expect(missingScripts(broken)).toEqual(['package:linux', 'package:mac', 'package:win']);
    const plain = JSON.parse(JSON.stringify(load('.github/workflows/ci.yml')).replace('npm run build', 'npm run compile')) as Workflow;
    expect(missingScripts(plain)).toEqual(['compile']);
  });

  it('expands matrix names: the release calls dist:linux, dist:win and dist:mac', () => {
    expect(npmScriptsCalled(load('.github/workflows/release.yml'))).toEqual(['dist:linux', 'dist:mac', 'dist:win']);
  });

  it('CI runs on push and pull request', () => {
    expect(Object.keys(load('.github/workflows/ci.yml').on).sort()).toEqual(['pull_request', 'push']);
  });

  it('the Linux job runs the README’s set-up and test command as .ci/run does (Debian 12 with Node 20, no Electron binary)', () => {
    const command = readmeTestCommand();
    const ciRun = readFileSync('.ci/run', 'utf8');
    const ciLines = ciRun.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    // .ci/run: the README's set-up script, then the README's test command, last.
    expect(ciLines).toContain(SETUP);
    expect(ciLines.at(-1)).toBe(command);
    expect(readFileSync('README.md', 'utf8')).toMatch(new RegExp(`\`\`\`sh\n${SETUP}\n\`\`\``));

    const job = load('.github/workflows/ci.yml').jobs.test!;
    expect(job['runs-on']).toMatch(/^ubuntu/);
    expect((job as unknown as { container: { image: string } }).container.image).toBe('node:20-bookworm');
    const runs = job.steps.map((s) => s.run?.trim()).filter(Boolean);
    expect(runs).toEqual([SETUP, command]);
    expect(job.env).toMatchObject({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    // The set-up skips Electron's download and builds native modules against the running Node.
    const setup = readFileSync('scripts/setup.sh', 'utf8');
    expect(setup).toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD=1 .*npm ci/);
    const packages = [...setup.matchAll(/need\+=\(([^)]+)\)/g)].flatMap((m) => m[1]!.split(/\s+/));
    for (const p of ['chromium', 'libsecret-1-dev', 'gnome-keyring', 'dbus-user-session', 'ffmpeg', 'iproute2']) expect(packages).toContain(p);
    expect(spawnSync('bash', ['-n', 'scripts/setup.sh'], { encoding: 'utf8' }).stderr).toBe('');
  });

  it('the set-up installs the Node the toolchain asks for: the highest `engines` minimum of any installed package', () => {
    type Version = readonly [number, number];
    const atLeast = (v: Version, min: Version) => v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
    const setup = readFileSync('scripts/setup.sh', 'utf8');
    const check = /a > (\d+) \|\| \(a === \1 && b >= (\d+)\)/.exec(setup)!;
    const minimum: Version = [Number(check[1]), Number(check[2])];
    const installed = /^NODE_VERSION=(\d+)\.(\d+)\.\d+$/m.exec(setup)!;
    expect(atLeast([Number(installed[1]), Number(installed[2])], minimum)).toBe(true);
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };
    const bounds = Object.values(lock.packages).flatMap((p): Version[] => {
      const m = /^>=\s*(\d+)\.(\d+)/.exec(p.engines?.node ?? '');
      return m ? [[Number(m[1]), Number(m[2])]] : [];
    });
    const highest = bounds.reduce((a, b) => (atLeast(a, b) ? a : b));
    expect(highest).toEqual(minimum);
    expect((JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }).engines.node).toBe(`>=${minimum[0]}.${minimum[1]}`);
  });

  it('the Electron job runs the same specs as npm test, through _electron under xvfb-run with the sandbox’s keyring', () => {
    const wf = load('.github/workflows/ci.yml');
    const job = wf.jobs['e2e-electron']!;
    expect(job.needs).toBe('test');
    expect(job.env).toMatchObject({ E2E_ELECTRON: '1' });
    const runs = job.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('npx install-electron');
    expect(runs).toContain('npx electron-builder install-app-deps');
    const script = readFileSync('.github/scripts/electron-e2e.sh', 'utf8');
    const testSh = readFileSync('scripts/test.sh', 'utf8').trim().split('\n').at(-1)!;
    expect(testSh).toBe('bash scripts/sandbox.sh npx playwright test');
    expect(script).toContain(testSh);
    expect(script).toMatch(/xvfb-run -a/);
    expect(script).toMatch(/unshare -n/);
    const bashN = spawnSync('bash', ['-n', '.github/scripts/electron-e2e.sh'], { encoding: 'utf8' });
    expect(bashN.stderr).toBe('');
  });

  it.each(['test', 'e2e-electron'])('CI job %s uploads failure artifacts from test-results/ only, on failure', (name) => {
    const job = load('.github/workflows/ci.yml').jobs[name]!;
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
    expect(upload).toMatchObject({ if: 'failure()', with: { path: 'test-results/' } });
  });

  it('the release builds AppImage+deb, nsis and dmg on all three OSes, rebuilds native modules, smoke-starts the app, checksums', () => {
    const wf = load('.github/workflows/release.yml');
    expect(wf.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+*'] } });
    const build = wf.jobs.build!;
    expect(matrixValues(build, 'os')).toEqual(['ubuntu-latest', 'windows-latest', 'macos-latest']);
    const runs = build.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('npx electron-builder install-app-deps');
    expect(runs.match(/--smoke\b/g)).toHaveLength(3);
    const publish = wf.jobs.publish!;
    expect(publish.needs).toBe('build');
    const publishRuns = publish.steps.map((s) => s.run ?? '').join('\n');
    expect(publishRuns).toContain('sha256sum');
    for (const ext of ['AppImage', 'deb', 'exe', 'dmg']) expect(publishRuns).toContain(ext);
  });

  it.each(workflowFiles)('%s: secrets reach steps only through env, never a run line, a with: or a job env', (file) => {
    const text = readFileSync(file, 'utf8');
    const wf = load(file);
    for (const job of Object.values(wf.jobs)) {
      expect(JSON.stringify(job.env ?? {})).not.toMatch(/secrets\./);
      for (const step of job.steps) {
        expect(step.run ?? '').not.toMatch(/secrets\./);
        expect(JSON.stringify(step.with ?? {})).not.toMatch(/secrets\./);
      }
    }
    // Every secret the release reads is named in docs/RELEASE.md.
    const docs = readFileSync('docs/RELEASE.md', 'utf8');
    for (const m of text.matchAll(/secrets\.(\w+)/g)) expect(docs).toContain(m[1]);
  });

  it('there are no other workflow files to check', () => {
    expect(readdirSync('.github/workflows').sort()).toEqual(['ci.yml', 'release.yml']);
  });
});
