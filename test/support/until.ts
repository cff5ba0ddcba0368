/**
 * Polls until `f` returns something truthy and resolves with it; fails naming
 * what it waited for. Tests wait on state this way, never on fixed sleeps.
 */
export async function until<T>(f: () => T | undefined | null | false, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
