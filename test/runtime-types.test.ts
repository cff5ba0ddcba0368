import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// "A folder means one runtime", checked by the compiler: a fixture file is
// compiled as if it lived in a folder, inside that folder's whole project (every
// file the tsconfig includes, so a stray `/// <reference lib="dom" />` anywhere in
// it would leak and be caught), and must fail exactly on the globals that
// runtime does not have. The same fixture in a folder whose runtime has them is
// the control: it proves the failure is the missing global, not a typo.
const root = resolve(__dirname, '..');

/**
 * Compiles every fixture of one project in one program (with every file the
 * project includes) and returns each fixture's diagnostics.
 */
function compile(config: string, fixtures: Map<string, string>): Map<string, string[]> {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, config), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${config}`);
  const virtual = new Map([...fixtures].map(([file, code]) => [join(root, file), code]));
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => {
    const code = virtual.get(resolve(name));
    return code === undefined ? getSourceFile(name, lang, ...rest) : ts.createSourceFile(name, code, lang);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => virtual.has(resolve(name)) || fileExists(name);
  // Project references are left out: imports resolve to sources, so the test
  // needs no prior `tsc -b` and sees the same globals the build does.
  const program = ts.createProgram({ rootNames: [...parsed.fileNames, ...virtual.keys()], options: { ...parsed.options, noEmit: true }, host });
  const out = new Map<string, string[]>();
  for (const [path] of virtual) {
    const source = program.getSourceFile(path);
    if (!source) throw new Error(`fixture ${path} not in the program`);
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    out.set(relative(root, path), diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')));
  }
  return out;
}

const FIXTURES = {
  'Node globals': "export const bytes = Buffer.from('x');\nexport const home = process.env.HOME;\n",
  'DOM globals': 'export const title = document.title;\nexport const width = window.innerWidth;\n',
  'shared web globals': "export const host = new URL('http://127.0.0.1/').hostname;\nexport const n = new TextEncoder().encode('x').length;\n",
};
type Fixture = keyof typeof FIXTURES;

const refused: [string, string, Fixture, string[]][] = [
  ['tsconfig.common.json', 'common/runtime-fixture-node.ts', 'Node globals', ['Buffer', 'process']],
  ['tsconfig.common.json', 'common/runtime-fixture-dom.ts', 'DOM globals', ['document', 'window']],
  ['tsconfig.renderer.json', 'renderer/src/runtime-fixture-node.ts', 'Node globals', ['Buffer', 'process']],
  ['tsconfig.node.json', 'main/core/runtime-fixture-dom.ts', 'DOM globals', ['document', 'window']],
  ['tsconfig.node.json', 'sim/runtime-fixture-dom.ts', 'DOM globals', ['document', 'window']],
];
const allowed: [string, string, Fixture][] = [
  ['tsconfig.node.json', 'main/core/runtime-fixture-node.ts', 'Node globals'],
  ['tsconfig.renderer.json', 'renderer/src/runtime-fixture-dom.ts', 'DOM globals'],
  ['tsconfig.common.json', 'common/runtime-fixture-shared.ts', 'shared web globals'],
  ['tsconfig.renderer.json', 'renderer/src/runtime-fixture-shared.ts', 'shared web globals'],
  ['tsconfig.node.json', 'main/core/runtime-fixture-shared.ts', 'shared web globals'],
];

/** Each project compiled once, with all of its fixtures. */
const results = new Map<string, Map<string, string[]>>();
function errorsOf(config: string, file: string): string[] {
  if (!results.has(config)) {
    const fixtures = new Map([...refused, ...allowed].filter(([c]) => c === config).map(([, f, fixture]) => [f, FIXTURES[fixture]]));
    results.set(config, compile(config, fixtures));
  }
  return results.get(config)!.get(file)!;
}

describe('runtime globals per folder (tsconfig.<runtime>.json)', () => {
  it.each(refused)('%s refuses, in %s, %s', (config, file, _fixture, names) => {
    const errors = errorsOf(config, file);
    for (const name of names) expect(errors.some((e) => e.includes(`Cannot find name '${name}'`)), `${name} in ${file}: ${errors.join('; ')}`).toBe(true);
  });

  it.each(allowed)('%s allows, in %s, %s', (config, file) => {
    expect(errorsOf(config, file)).toEqual([]);
  });

  it('every runtime project is part of `tsc -b` (npm run typecheck)', () => {
    const solution = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config as { references: { path: string }[] };
    const referenced = solution.references.map((r) => join(root, r.path)).sort();
    const projects = ts.sys.readDirectory(root, ['.json'], undefined, ['tsconfig.*.json'], 1).filter((f) => !f.endsWith('tsconfig.base.json'));
    expect(referenced).toEqual(projects.map((f) => resolve(f)).sort());
    expect(dirname(referenced[0]!)).toBe(root);
  });
});
