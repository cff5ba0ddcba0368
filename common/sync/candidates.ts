/**
 * Which password to try, in which order, and what the technician is told
 * before a run. Pure: the engine feeds it what the run has learnt so far.
 */

/** What a run knows about the site's passwords so far (positions, never values). */
export interface SiteEvidence {
  /** Positions (0-based, in the technician's list) that signed in somewhere this run, first proven first. */
  proven: number[];
  /** The new password already signed in on some camera before we changed it (or the NVR synced it). */
  newAlreadySet: boolean;
}

/**
 * One sign-in to try: a position in the technician's list, a position in the
 * passwords known to be current for this one account (e.g. the one the NVR
 * stores for it), or the new password.
 */
export type Candidate = { kind: 'current'; index: number } | { kind: 'known'; index: number } | { kind: 'new' };

/**
 * The technician's order, with passwords proven elsewhere in this run first (sites
 * share passwords) and the new password first where the evidence says it may
 * already be set, else last.
 */
/** What the accounts of one camera already showed in this run (accounts run one after another). */
export interface CameraCandidates {
  /** Positions that signed in on another account of this camera. */
  proven?: number[];
  /** Another account of this camera already held the new password. */
  newHeld?: boolean;
}

/**
 * The order one account's sign-ins go in: the passwords known to be current for
 * this account (`known` of them: given for it alone, never tried for another),
 * what this very camera's other accounts proved (accounts on a camera usually
 * share a password), then the new password where the site says it may already
 * be set, then passwords proven on other cameras, then the technician's list in
 * order, then the new password if it has not had its turn.
 */
export function candidateOrder(count: number, site: SiteEvidence, here: CameraCandidates = {}, known = 0): Candidate[] {
  const seen = new Set<number>();
  const order: Candidate[] = Array.from({ length: Math.max(0, known) }, (_, index) => ({ kind: 'known', index }));
  let newQueued = false;
  const current = (i: number) => {
    if (i < 0 || i >= count || seen.has(i)) return;
    seen.add(i);
    order.push({ kind: 'current', index: i });
  };
  const fresh = () => {
    if (newQueued) return;
    newQueued = true;
    order.push({ kind: 'new' });
  };
  if (here.newHeld) fresh();
  for (const i of here.proven ?? []) current(i);
  if (site.newAlreadySet) fresh();
  for (const i of site.proven) current(i);
  for (let i = 0; i < count; i++) current(i);
  fresh();
  return order;
}

/**
 * Said before the run starts when the list is longer than the budget allows:
 * with N refused sign-ins per camera, a camera tries at most N wrong passwords,
 * so positions after N may go untried on cameras whose password is further down.
 * Undefined when every password will get its turn.
 */
export function budgetWarning(candidates: number, maxFailures: number): string | undefined {
  // Positions 1…N can be reached (N−1 refusals before the Nth); verification then needs one more refusal
  // (the old password refused), which the budget keeps because a sign-in only starts while one is left.
  const reachable = Math.max(0, maxFailures);
  if (candidates <= reachable) return undefined;
  const untried = Array.from({ length: candidates - reachable }, (_, i) => reachable + i + 1);
  const list = untried.length === 1 ? `password ${untried[0]}` : `passwords ${untried.join(', ')}`;
  return (
    `${candidates} current passwords but only ${maxFailures} refused sign-in${maxFailures === 1 ? '' : 's'} allowed per camera: ` +
    `${list} may go untried on a camera where the earlier ones fail (a password that works on one camera is tried first on the others). ` +
    `Put the most likely password first.`
  );
}

/** How a row names the password that signed in: its position in the list, never its value. */
export function candidateLabel(c: Candidate): string {
  if (c.kind === 'known') return `the password known for this account${c.index > 0 ? ` (${c.index + 1})` : ''}`;
  return c.kind === 'new' ? 'the new password' : `current password ${c.index + 1}`;
}
