import { useState } from 'react';
import { explain } from './errors';

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
