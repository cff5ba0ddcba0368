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
/** Imports that break the layering today, each with the reason it is tolerated; nothing else may join this list. */
const KNOWN = new Map<string, string>([
  ['main/sync/cli-entry.ts -> main/cli', 'a test-only entry in a product folder, moving under test/ (issue 8 item 2, camera-sync owner)'],
  ['main/sync/service.ts -> main/cases', 'the keychain lives in cases/ and should join core/ (issue 8 item 1; cases/keychain.ts is being changed for issue 12)'],
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

/** May a file in `from` import one in `to`? */
function allowed(from: string, to: string): boolean {
  const a = layerOf(from);
  const b = layerOf(to);
  if (b === 'other') return true; // common/, package.json: the runtime rules in eslint.config.js apply
  if (b === 'demo') return a === 'demo';
  if (areaOf(from) === areaOf(to)) return true;
  const rank: Record<Layer, number> = { core: 0, protocol: 1, feature: 2, app: 3, host: 4, demo: 5, other: 9 };
  // A feature does not reach into another feature; hosts use the engines of features (the CLI) and the root.
  if (a === 'feature' && b === 'feature') return false;
  if (a === 'protocol' && b === 'protocol') return false;
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

function violations(): string[] {
  const found: string[] = [];
  for (const file of [...sources('main'), ...sources('demo')]) {
    const from = relative(process.cwd(), file).split(sep).join('/');
    for (const to of imports(file)) {
      if (allowed(from, to)) continue;
      const key = `${from} -> ${areaOf(to)}`;
      if (!KNOWN.has(key)) found.push(key);
    }
  }
  return found;
}

describe('layers inside main/ (docs/ARCHITECTURE.md)', () => {
  it('every import of product code points down the layers', () => {
    expect(violations()).toEqual([]);
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
  ])('refuses %s importing %s', (from, to) => expect(allowed(from, `${to}/`)).toBe(false));

  it.each([
    ['main/app/index.ts', 'main/discovery/service'],
    ['main/discovery/service.ts', 'main/onvif/client'],
    ['main/discovery/service.ts', 'main/core/context'],
    ['main/electron/app.ts', 'main/app/index'],
    ['main/cli/discover.ts', 'main/discovery/engine'],
    ['demo/site.ts', 'main/app/index'],
    ['main/core/log.ts', 'common/clock'],
  ])('allows %s importing %s', (from, to) => expect(allowed(from, `${to}/`)).toBe(true));
});
