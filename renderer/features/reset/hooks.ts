import { useEffect, useState } from 'react';
import { nvr } from '../../src/api';

/**
 * Main's clock, ticking locally. Deadlines are main's (tests move its clock),
 * so we re-read the offset every few seconds and count seconds in between.
 */
export function useMainNow(): number {
  const [offset, setOffset] = useState(0);
  const [tick, setTick] = useState(() => Date.now());
  useEffect(() => {
    let alive = true;
    const sync = () =>
      nvr.app.info().then(
        (i) => alive && setOffset(i.now - Date.now()),
        () => undefined,
      );
    void sync();
    const s = setInterval(sync, 2000);
    const t = setInterval(() => setTick(Date.now()), 1000);
    return () => {
      alive = false;
      clearInterval(s);
      clearInterval(t);
    };
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
      setError(e instanceof Error ? e.message : String(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return [run, error, busy, setError];
}
