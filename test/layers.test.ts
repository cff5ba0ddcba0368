import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of main/ (docs/ARCHITECTURE.md), checked on every import of the
 * product code. Arrows point down only:
 *   hosts (electron, browser-host, cli) → app (the composition root) → features → protocols → core
 * and nothing in main/ reaches demo/. (Runtime boundaries between top-level
 * folders are eslint.config.js's job; this is the layering inside main/.)
 */
const HOSTS = new Set(['electron', 'browser-host', 'cli']);
/** One folder per device-protocol family; add yours here (see docs/ARCHITECTURE.md). */
const PROTOCOLS = new Set(['onvif', 'dahua']);
/**
 * Imports that break the layering, each with the reason it is tolerated. Empty, and the
 * check fails on an entry that matches no current import (a stale excuse hides the next
 * real one), so an exception is added only with its reason and removed with its cause.
 */
const KNOWN = new Map<string, string>([]);
/**
 * The CLI is a host: it builds the app's base (context, persisted credential gate, keychain)
 * through the composition root (main/app/base.ts, via main/cli/app.ts) and reaches a feature only
 * through main/app or one of these public engines — the same engines the features' services
 * run, so the command line and the app behave alike. The Electron and browser hosts reach
 * no feature but through main/app. An engine joins this list with its reason; an entry no
 * CLI file imports fails the check.
 */
const CLI_ENGINES = new Map<string, string>([
  ['main/discovery/discovery', '`discover`: the discovery engine on the given range, no feature around it'],
  ['main/discovery/adapters', '`discover`: the adapters and ports it listens on'],
  ['main/sync/engine', '`sync`: camera sync, the run the sync feature holds'],
  ['main/sync/journal', '`sync`: the journal it resumes and its budget'],
  ['main/sync/onvif-factory', '`sync`: the ONVIF clients of a run'],
  ['main/site/run-site', '`sync --nvr`: close-the-loop, the one sequence the site feature runs too'],
  ['main/site/plan', '`sync --nvr`: the plan it prints before anything changes'],
  ['main/site/ports', '`sync --nvr`: the camera port it gives run-site'],
  ['main/site/probe', '`sync --nvr`: which password an account holds'],
  ['main/site/close-loop', '`sync --nvr`: the result type'],
  ['main/site/loop-journal', '`sync --nvr`: the loop journal beside the sync journal'],
  ['main/site/journal-lock', '`sync`: one process per journal'],
  ['main/init/engine', '`init`: the init run the init feature holds'],
  ['main/init/journal', '`init`: the journal it resumes'],
]);

type Layer = 'core' | 'protocol' | 'feature' | 'app' | 'host' | 'demo' | 'other';
function layerOf(path: string): Layer {
  if (path.startsWith('demo/')) return 'demo';
  const m = /^main\/([^/]+)\//.exec(path);
  if (!m) return 'other';
  const area = m[1]!;
  if (area === 'core') return 'core';
  if (area === 'app') return 'app';
  if (HOSTS.has(area)) return 'host';
  return PROTOCOLS.has(area) ? 'protocol' : 'feature';
}
const areaOf = (path: string) => /^(main\/[^/]+|demo)/.exec(path)?.[1] ?? path.split('/')[0]!;
/** The module an import names, without the trailing slash `imports()` adds. */
const moduleOf = (to: string) => to.replace(/\/$/, '');

/** May a file in `from` import one in `to`? */
function allowed(from: string, to: string, cliEngines: ReadonlyMap<string, string> = CLI_ENGINES): boolean {
  const a = layerOf(from);
  const b = layerOf(to);
  if (b === 'other') return true; // common/, package.json: the runtime rules in eslint.config.js apply
  if (b === 'demo') return a === 'demo';
  if (areaOf(from) === areaOf(to)) return true;
  const rank: Record<Layer, number> = { core: 0, protocol: 1, feature: 2, app: 3, host: 4, demo: 5, other: 9 };
  // A feature does not reach into another feature; a host reaches features through the root (the CLI also through its listed engines).
  if (a === 'feature' && b === 'feature') return false;
  if (a === 'protocol' && b === 'protocol') return false;
  if (a === 'host' && b === 'feature') return areaOf(from) === 'main/cli' && cliEngines.has(moduleOf(to));
  return rank[a] > rank[b];
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [full] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.\.?\/[^'"]+)['"]/gm)].map(([, spec]) => relative(process.cwd(), resolve(dirname(file), spec!)).split(sep).join('/') + '/');
}

/** Product file → the modules it imports (paths from the repository root, each ending in '/'). */
type ImportGraph = ReadonlyMap<string, readonly string[]>;

function productGraph(): ImportGraph {
  return new Map([...sources('main'), ...sources('demo')].map((file) => [relative(process.cwd(), file).split(sep).join('/'), imports(file)]));
}

/**
 * The check, pure over a graph: imports that break the layering and are not excused, excuses
 * that match no import (stale), and listed CLI engines no CLI file imports (stale too).
 */
function check(graph: ImportGraph, known: ReadonlyMap<string, string> = KNOWN, cliEngines: ReadonlyMap<string, string> = CLI_ENGINES) {
  const violations: string[] = [];
  const excused = new Set<string>();
  const enginesUsed = new Set<string>();
  for (const [from, tos] of graph) {
    for (const to of tos) {
      if (areaOf(from) === 'main/cli' && cliEngines.has(moduleOf(to))) enginesUsed.add(moduleOf(to));
      if (allowed(from, to, cliEngines)) continue;
      const key = `${from} -> ${areaOf(to)}`;
      if (known.has(key)) excused.add(key);
      else violations.push(key);
    }
  }
  const stale = [...[...known.keys()].filter((k) => !excused.has(k)), ...[...cliEngines.keys()].filter((m) => !enginesUsed.has(m)).map((m) => `CLI engine ${m}`)];
  return { violations, stale };
}

describe('layers inside main/ (docs/ARCHITECTURE.md)', () => {
  it('every import of product code points down the layers, with no exception tolerated and none stale', () => {
    expect(check(productGraph())).toEqual({ violations: [], stale: [] });
    expect([...KNOWN.keys()]).toEqual([]);
  });

  it('the CLI is a host: it reaches features only through main/app or its listed engines, and builds the app through main/cli/app.ts', () => {
    const graph = productGraph();
    const cliToFeatures = [...graph].flatMap(([from, tos]) => (from.startsWith('main/cli/') ? tos.filter((to) => layerOf(to) === 'feature').map(moduleOf) : []));
    expect(cliToFeatures.filter((m) => !CLI_ENGINES.has(m))).toEqual([]);
    expect(graph.get('main/cli/app.ts')?.filter((to) => to.startsWith('main/app/'))).toEqual(['main/app/base/']);
    // Only the base (main/app/base.ts), never index.ts: that loads every feature and keytar's native module, which
    // a bundled CLI (main/sync/crash.test.ts) cannot load and a CLI with its passwords on stdin does not need.
    const cliToRoot = [...graph].flatMap(([from, tos]) => (from.startsWith('main/cli/') ? tos.filter((to) => to.startsWith('main/app/')) : []));
    expect(cliToRoot.filter((to) => to !== 'main/app/base/')).toEqual([]);
    // The other hosts reach no feature but through the root.
    const otherHosts = [...graph].filter(([from]) => layerOf(from) === 'host' && !from.startsWith('main/cli/'));
    expect(otherHosts.flatMap(([, tos]) => tos.filter((to) => layerOf(to) === 'feature'))).toEqual([]);
  });

  it('the check fails on a new violation and on a stale exception (a graph of its own)', () => {
    const graph: ImportGraph = new Map([
      ['main/sync/service.ts', ['main/core/keychain/', 'main/cases/book/']],
      ['main/cli/nvr.ts', ['main/app/', 'main/nvr/service/', 'main/sync/engine/']],
      ['main/electron/app.ts', ['main/sync/engine/']],
    ]);
    const engines = new Map([['main/sync/engine', 'sync'], ['main/init/engine', 'init']]);
    expect(check(graph, new Map(), engines)).toEqual({
      violations: ['main/sync/service.ts -> main/cases', 'main/cli/nvr.ts -> main/nvr', 'main/electron/app.ts -> main/sync'],
      stale: ['CLI engine main/init/engine'],
    });
    const known = new Map([['main/sync/service.ts -> main/cases', 'excused'], ['main/sync/cli-entry.ts -> main/cli', 'the file is gone']]);
    expect(check(graph, known, engines)).toEqual({
      violations: ['main/cli/nvr.ts -> main/nvr', 'main/electron/app.ts -> main/sync'],
      stale: ['main/sync/cli-entry.ts -> main/cli', 'CLI engine main/init/engine'],
    });
  });

  it.each([
    ['main/core/log.ts', 'main/discovery/engine'],
    ['main/core/context.ts', 'main/app/index'],
    ['main/onvif/client.ts', 'main/sync/engine'],
    ['main/discovery/service.ts', 'main/sync/service'],
    ['main/discovery/service.ts', 'main/app/index'],
    ['main/sync/service.ts', 'main/electron/app'],
    ['main/app/index.ts', 'main/browser-host/run'],
    ['main/browser-host/run.ts', 'demo/site'],
    ['main/core/options.ts', 'demo/site'],
    ['main/cli/nvr.ts', 'main/nvr/service'],
    ['main/cli/sync.ts', 'main/cases/book'],
    ['main/electron/app.ts', 'main/sync/engine'],
  ])('refuses %s importing %s', (from, to) => expect(allowed(from, `${to}/`)).toBe(false));

  it.each([
    ['main/app/index.ts', 'main/discovery/service'],
    ['main/discovery/service.ts', 'main/onvif/client'],
    ['main/discovery/service.ts', 'main/core/context'],
    ['main/electron/app.ts', 'main/app/index'],
    ['main/cli/discover.ts', 'main/discovery/discovery'],
    ['main/cli/app.ts', 'main/app/base'],
    ['demo/site.ts', 'main/app/index'],
    ['main/core/log.ts', 'common/clock'],
  ])('allows %s importing %s', (from, to) => expect(allowed(from, `${to}/`)).toBe(true));
});
