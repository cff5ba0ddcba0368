import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// electron-builder packs `dependencies` (and only those) beside the app; Vite
// bundles everything else into out/. So `dependencies` must be exactly the
// packages the built main process still loads from node_modules at run time:
// one missing fails on the technician's laptop, one extra (react, say) ships a
// second copy of code already bundled.
const root = resolve(__dirname, '..');
const built = join(root, 'out', 'main');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

/** Package names the packed out/main loads at run time: bare import/require specifiers, minus Node's and Electron's own. */
function runtimePackages(): string[] {
  // out/main/demo/ (the demo and the simulated site) is never packed (electron-builder.yml).
  const files = readdirSync(built, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(m?js|cjs)$/.test(f) && !f.startsWith(`demo${sep}`));
  const names = new Set<string>();
  const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']((?:@[\w.-]+\/)?[\w][\w.-]*(?:\/[\w.-]+)*|node:[\w/]+)["']/g;
  for (const f of files) {
    for (const [, spec] of readFileSync(join(built, f), 'utf8').matchAll(specifier)) {
      const name = spec!.startsWith('@') ? spec!.split('/').slice(0, 2).join('/') : spec!.split('/')[0]!;
      if (name.startsWith('node:') || builtinModules.includes(name) || name === 'electron') continue;
      names.add(name);
    }
  }
  return [...names].sort();
}

describe('dependencies = what the built main process requires at run time', () => {
  it('lists exactly the packages out/main loads from node_modules', ({ skip }) => {
    skip(!existsSync(built), 'out/main is not built: run `npm run build` first (npm test builds before the unit tests)');
    expect(Object.keys(pkg.dependencies).sort()).toEqual(runtimePackages());
  });
});
