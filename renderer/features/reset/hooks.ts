import { useEffect, useState } from 'react';
import { useClockOffset } from '../../src/data';

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
