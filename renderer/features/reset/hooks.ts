import { useEffect, useState } from 'react';
import { useClockOffset } from '../../src/data';
import { explain } from '../../src/errors';

/**
 * Main's clock, ticking locally. Deadlines are main's (tests move its clock):
 * its offset comes once with app.info and then from app.clock events — no polling.
 */
export function useMainNow(): number {
  const offset = useClockOffset();
  const [tick, setTick] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setTick(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return tick + offset;
}

/** Runs a call, keeping its error message for display. */
export function useAction(): [(f: () => Promise<unknown>) => Promise<boolean>, string | undefined, boolean, (e?: string) => void] {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await f();
      return true;
    } catch (e) {
      setError(explain(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return [run, error, busy, setError];
}
