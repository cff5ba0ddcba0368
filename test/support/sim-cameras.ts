import { afterEach } from 'vitest';
import { makeIdentity, SITE_CREDENTIALS } from '../../sim/identities';
import { startDevice, type DeviceFaults, type SimDevice } from '../../sim/site';

type Cleanup = () => Promise<void> | void;

/**
 * Simulated cameras for one test file, one loopback address each in the file's
 * own block (`127.a.b.1`, `.2`, …), an admin and an operator account, all
 * stopped after each test with whatever else the test hands to `cleanup`.
 */
export function simCameras(o: { block: string; seed: number }) {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  let host = 1;
  return {
    async camera(faults: Partial<DeviceFaults> = {}, clock?: () => number): Promise<SimDevice> {
      const d = await startDevice({
        identity: makeIdentity('camera', host, o.seed),
        address: `${o.block}.${host++}`,
        users: [
          { ...SITE_CREDENTIALS.camera, userLevel: 'Administrator' },
          { ...SITE_CREDENTIALS.cameraOperator, userLevel: 'Operator' },
        ],
        faults,
        ...(clock ? { clock } : {}),
      });
      cleanups.push(() => d.stop());
      return d;
    },
    /** Runs after the test, before the cameras stop (last handed, first run). */
    cleanup(c: Cleanup): void {
      cleanups.push(c);
    },
  };
}
