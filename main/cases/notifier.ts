import { dueReminders } from '../../common/reset/deadlines';
import type { ResetCase } from '../../common/reset/case';
import type { ServiceContext } from '../core/context';
import type { CaseStore } from './store';

/**
 * Desktop reminders before a case's deadlines (reply due, code expiring).
 * Each reminder is remembered in the case, so a restart does not repeat it;
 * the check reads ctx.clock, so a moved test clock triggers it too.
 */
export function startNotifier(
  ctx: ServiceContext,
  store: CaseStore,
  remember: (c: ResetCase, key: string, what: string) => void,
  everyMs = 60_000,
): { check(): number; stop(): void } {
  const check = (): number => {
    let fired = 0;
    const now = ctx.clock.now();
    for (const c of store.list()) {
      for (const r of dueReminders(c, now)) {
        // The host decides how to show it: a desktop notification (Electron) or an in-app notice (browser host).
        ctx.host.notify(r.title, r.body);
        remember(store.get(c.id) ?? c, r.key, `reminder: ${r.title}`);
        fired++;
      }
    }
    return fired;
  };
  const timer = setInterval(() => {
    try {
      check();
    } catch (e) {
      ctx.log.error('deadline check failed', { error: String(e) });
    }
  }, everyMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
