import { Cam } from 'onvif';

/**
 * The naive baseline the sync bench compares against: the npm `onvif` package's Cam, one device at a
 * time, GetUsers + SetUser + verify. Use a letters+digits password (Cam does not XML-escape).
 *
 * Two of the package's bugs (DOMAIN.md) shape this code and are part of its measured cost:
 * - after setUsers changes the signed-in user's password, Cam keeps the OLD password (unbound
 *   callback) and immediately re-reads the users with it: the device sees one failed login per camera;
 * - so the verify step must set cam.password itself and read the users again.
 * Never used by the sync path; see onvif-package.test.ts for why.
 */
export async function naiveSyncWithOnvifPackage(xaddr: string, username: string, oldPassword: string, newPassword: string): Promise<void> {
  const url = new URL(xaddr);
  if (url.protocol !== 'http:') throw new Error('baseline supports http xaddrs only');
  const cam = await new Promise<Cam>((resolve, reject) => {
    const c: Cam = new Cam(
      { hostname: url.hostname, port: Number(url.port || 80), path: url.pathname, username, password: oldPassword, timeout: 10_000 },
      (err) => (err ? reject(err) : resolve(c)),
    );
  });
  const users = await new Promise<{ username: string; userLevel?: string }[]>((resolve, reject) =>
    cam.getUsers((err, data) => (err ? reject(err) : resolve(toArray(data)))),
  );
  const me = users.find((u) => u.username === username);
  if (!me) throw new Error('user not found on device');
  const setErr = await new Promise<Error | null>((resolve) =>
    cam.setUsers([{ username, password: newPassword, userLevel: me.userLevel ?? 'Administrator' }], (err) => resolve(err)),
  );
  // setUsers' error may be the SetUser fault or only its follow-up GetUsers with the stale password:
  // the verify below decides.
  cam.password = newPassword;
  const verified = await new Promise<boolean>((resolve) => cam.getUsers((err) => resolve(!err)));
  if (!verified) throw setErr ?? new Error('new password not accepted after SetUser');
}

function toArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
