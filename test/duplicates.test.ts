import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * One path per idea (issue 20): a copy-paste detector (jscpd, at 4 lines and
 * 30 tokens) over main/'s product code. The ideas that must exist once — the
 * HTTP body read and Digest (main/core/http*.ts), the ONVIF and Dahua
 * transports, and close-the-loop (main/site/) — may have no copy anywhere in
 * main/. Other small copies are listed below with why they stay; the list may
 * only shrink: a new copy fails, and so does an entry that no longer matches.
 */
const ONE_PLACE = [/^main\/core\/http/, /^main\/site\//, /^main\/onvif\/transport\.ts$/, /^main\/dahua\/transport\.ts$/];

/** `a ~ b` (sorted): why the copy stays. */
const TOLERATED = new Map<string, string>([
  ['main/core/credential-gate.ts ~ main/sync/journal.ts', 'the subscribe idiom: add the listener, return its removal (two statements)'],
  ['main/core/credentials.ts ~ main/sync/journal.ts', 'the subscribe idiom: add the listener, return its removal (two statements)'],
  ['main/core/events.ts ~ main/sync/journal.ts', 'the subscribe idiom: add the listener, return its removal (two statements)'],
  ['main/discovery/dhip-client.ts ~ main/discovery/ssdp-client.ts', "each discovery client's datagram prologue: arrival time, its options, the sender's name"],
  ['main/cli/init.ts ~ main/cli/sync.ts', 'the two commands import the same five modules (the import block, not code)'],
  ['main/cli/init.ts ~ main/init/engine.ts', "an init row's optional device fields, spread into the journalled row and into the CLI's printed one"],
  ['main/init/service.ts ~ main/sync/service.ts', "each feature's lookup of a run of this session (by id, else the latest) with a not-found in its own words"],
  ['main/init/journal.ts ~ main/sync/journal.ts', 'the journal-file port: init flushes each line, sync separates write and flush for its group commit'],
]);

/** jscpd's programmatic API (CommonJS; its package's ESM entry points at TypeScript sources). */
const { detectClones } = createRequire(import.meta.url)('jscpd') as { detectClones(o: Record<string, unknown>): Promise<unknown> };

const Side = z.object({ sourceId: z.string(), start: z.object({ line: z.number() }), end: z.object({ line: z.number() }) });
const Found = z.array(z.object({ duplicationA: Side, duplicationB: Side }));
interface Clone {
  lines: number;
  firstFile: { name: string; start: number };
  secondFile: { name: string; start: number };
}

async function clonesIn(paths: string[]): Promise<Clone[]> {
  const found = Found.parse(await detectClones({ path: paths, minLines: 4, minTokens: 30, format: ['typescript'], ignore: ['**/*.test.ts'], silent: true, reporters: [] }));
  return found.map(({ duplicationA: a, duplicationB: b }) => ({ lines: a.end.line - a.start.line + 1, firstFile: { name: a.sourceId, start: a.start.line }, secondFile: { name: b.sourceId, start: b.start.line } }));
}

const pairOf = (c: Clone) => [c.firstFile.name, c.secondFile.name].sort().join(' ~ ');
const where = (c: Clone) => `${c.firstFile.name}:${c.firstFile.start} ~ ${c.secondFile.name}:${c.secondFile.start} (${c.lines} lines)`;

/** What fails: copies of a one-place idea, copies not tolerated, and tolerated pairs that no longer have a copy. */
function judge(clones: Clone[], tolerated: ReadonlyMap<string, string>): { oneIdea: string[]; untolerated: string[]; stale: string[] } {
  const oneIdea = clones.filter((c) => [c.firstFile.name, c.secondFile.name].some((f) => ONE_PLACE.some((p) => p.test(f)))).map(where);
  const untolerated = clones.filter((c) => !tolerated.has(pairOf(c))).map(where);
  const seen = new Set(clones.map(pairOf));
  const stale = [...tolerated.keys()].filter((k) => !seen.has(k));
  return { oneIdea, untolerated, stale };
}

describe('one path per idea: no copied code in main/ (jscpd, 4 lines)', () => {
  it('finds no copy of the HTTP layer, the transports or close-the-loop, and no copy beyond the tolerated list', async () => {
    const r = judge(await clonesIn(['main']), TOLERATED);
    expect(r.oneIdea).toEqual([]);
    expect(r.untolerated).toEqual([]);
    expect(r.stale).toEqual([]);
  }, 120_000);

  it('the detector and the judge can fail: a copied Digest loop is caught, and a stale allowance too', () => {
    const clone = (a: string, b: string): Clone => ({ lines: 6, firstFile: { name: a, start: 1 }, secondFile: { name: b, start: 9 } });
    const r = judge([clone('main/core/http-digest.ts', 'main/dahua/client.ts'), clone('main/cli/a.ts', 'main/cli/b.ts')], new Map([['main/x.ts ~ main/y.ts', 'gone']]));
    expect(r.oneIdea).toEqual(['main/core/http-digest.ts:1 ~ main/dahua/client.ts:9 (6 lines)']);
    expect(r.untolerated).toHaveLength(2);
    expect(r.stale).toEqual(['main/x.ts ~ main/y.ts']);
  });
});
