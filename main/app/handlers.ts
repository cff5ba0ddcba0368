import { callNames } from '../../common/contract';
import type { Feature } from '../core/context';
import type { Handlers } from '../core/dispatch';

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The handler table that a list of features adds up to, as a type (checked with `satisfies Handlers`). */
type MergedHandlers<F extends readonly Feature<object>[]> = UnionToIntersection<F[number]['handlers']>;

/**
 * Merges the features' handlers into one table. The result's type is the
 * intersection of every feature's handlers, so `mergeHandlers(features)
 * satisfies Handlers` fails to compile when a contract verb has no handler.
 * Two features answering the same verb is a wiring mistake: refused here.
 */
export function mergeHandlers<const F extends readonly Feature<object>[]>(features: F): MergedHandlers<F> {
  const table: Record<string, unknown> = {};
  for (const f of features) {
    for (const [name, handler] of Object.entries(f.handlers)) {
      if (name in table) throw new Error(`Two features handle ${name}: each contract verb has exactly one handler.`);
      table[name] = handler;
    }
  }
  return table as MergedHandlers<F>;
}

/**
 * The run-time half of the check, for what the compiler cannot see (a cast, a
 * feature built from `Partial<Handlers>`): every contract verb has a function,
 * and nothing answers a name the contract does not declare. Throws at start-up,
 * naming the verbs, instead of failing later as `internal` on first use.
 */
export function assertHandlers(table: Record<string, unknown>, verbs: readonly string[] = callNames): asserts table is Handlers {
  const missing = verbs.filter((v) => typeof table[v] !== 'function');
  const extra = Object.keys(table).filter((k) => !verbs.includes(k));
  if (missing.length || extra.length) {
    throw new Error(
      [
        missing.length ? `no handler for ${missing.join(', ')} (add it to the feature that owns the namespace, and the feature to main/app/index.ts)` : '',
        extra.length ? `handlers for verbs the contract does not declare: ${extra.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );
  }
}
