import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// "A folder means one runtime", checked by the compiler: a fixture file is
// compiled as if it lived in a folder, inside that folder's whole project (every
// file the tsconfig includes, so a stray `/// <reference lib="dom" />` anywhere in
// it would leak and be caught), and must fail exactly on the globals that
// runtime does not have. The same fixture in a folder whose runtime has them is
// the control: it proves the failure is the missing global, not a typo.
const root = resolve(__dirname, '..');

const previous = new Map<string, ts.Program>();

/** Diagnostics of `code` compiled at `file` with `config`'s settings and files. */
function compile(config: string, file: string, code: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, config), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${config}`);
  const fixture = join(root, file);
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    resolve(name) === fixture ? ts.createSourceFile(name, code, lang) : getSourceFile(name, lang, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === fixture || fileExists(name);
  // Project references are left out: imports resolve to sources, so the test
  // needs no prior `tsc -b` and sees the same globals the build does.
  // The previous program of the same project lends its parsed files (only the fixture changes).
  const program = ts.createProgram({
    rootNames: [...parsed.fileNames, fixture],
    options: { ...parsed.options, noEmit: true },
    host,
    oldProgram: previous.get(config + file),
  });
  previous.set(config + file, program);
  const source = program.getSourceFile(fixture);
  if (!source) throw new Error(`fixture ${file} not in the program`);
  return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  );
}

const FIXTURES = {
  'Node globals': "export const bytes = Buffer.from('x');\nexport const home = process.env.HOME;\n",
  'DOM globals': 'export const title = document.title;\nexport const width = window.innerWidth;\n',
  'shared web globals': "export const host = new URL('http://127.0.0.1/').hostname;\nexport const n = new TextEncoder().encode('x').length;\n",
};
type Fixture = keyof typeof FIXTURES;

describe('runtime globals per folder (tsconfig.<runtime>.json)', () => {
  it.each([
    ['tsconfig.common.json', 'common/runtime-fixture.ts', 'Node globals', ['Buffer', 'process']],
    ['tsconfig.common.json', 'common/runtime-fixture.ts', 'DOM globals', ['document', 'window']],
    ['tsconfig.renderer.json', 'renderer/src/runtime-fixture.ts', 'Node globals', ['Buffer', 'process']],
    ['tsconfig.node.json', 'main/core/runtime-fixture.ts', 'DOM globals', ['document', 'window']],
    ['tsconfig.node.json', 'sim/runtime-fixture.ts', 'DOM globals', ['document', 'window']],
  ] as [string, string, Fixture, string[]][])('%s refuses, in %s, %s', (config, file, fixture, names) => {
    const errors = compile(config, file, FIXTURES[fixture]);
    for (const name of names) expect(errors.some((e) => e.includes(`Cannot find name '${name}'`)), `${name} in ${file}: ${errors.join('; ')}`).toBe(true);
  });

  it.each([
    ['tsconfig.node.json', 'main/core/runtime-fixture.ts', 'Node globals'],
    ['tsconfig.renderer.json', 'renderer/src/runtime-fixture.ts', 'DOM globals'],
    ['tsconfig.common.json', 'common/runtime-fixture.ts', 'shared web globals'],
    ['tsconfig.renderer.json', 'renderer/src/runtime-fixture.ts', 'shared web globals'],
    ['tsconfig.node.json', 'main/core/runtime-fixture.ts', 'shared web globals'],
  ] as [string, string, Fixture][])('%s allows, in %s, %s', (config, file, fixture) => {
    expect(compile(config, file, FIXTURES[fixture])).toEqual([]);
  });

  it('every runtime project is part of `tsc -b` (npm run typecheck)', () => {
    const solution = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config as { references: { path: string }[] };
    const referenced = solution.references.map((r) => join(root, r.path)).sort();
    const projects = ts.sys.readDirectory(root, ['.json'], undefined, ['tsconfig.*.json'], 1).filter((f) => !f.endsWith('tsconfig.base.json'));
    expect(referenced).toEqual(projects.map((f) => resolve(f)).sort());
    expect(dirname(referenced[0]!)).toBe(root);
  });
});
