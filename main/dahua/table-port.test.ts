import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../common/clock';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { CredentialGate } from '../core/credential-gate';
import { DahuaRpcClient } from './client';
import { nvrAction } from './session';
import { dahuaTablePort } from './table-port';

// Loopback block 127.62.3.0/24 is this file's own.
describe('RemoteDevice table port on the simulated NVR', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite({ block: '127.62.3', cameras: 2, behindNvr: 0 });
  });
  afterAll(async () => {
    await site?.stop();
  });

  it('a whole-table write changes the stored password the NVR signs in with; a mask written back is stored literally', async () => {
    const clock = new OffsetClock();
    const rpc = rpcOf(site);
    const NEW = 'Camera-new-pass-5';
    await nvrAction({ gate: new CredentialGate({ clock }), client: new DahuaRpcClient({ url: rpc.url, username: 'admin' }), password: SITE_CREDENTIALS.nvr.password, clock }, async (client) => {
      const port = dahuaTablePort(client);
      site.cameras[0]!.users.setPassword('admin', NEW);
      await rpc.pollNow();
      expect(await port.channelStates()).toEqual(new Map([[1, 'Disconnected'], [2, 'Connected']]));
      const table = (await port.readTable()) as Record<string, Record<string, unknown>>;
      table['uuid:System_CONFIG_NETCAMERA_INFO_0']!['Password'] = NEW;
      await port.writeTable(table);
      await rpc.pollNow();
      expect(await port.channelStates()).toEqual(new Map([[1, 'Connected'], [2, 'Connected']]));

      rpc.setFaults({ maskPasswords: true });
      await port.writeTable(await port.readTable());
      expect(rpc.stats().maskWrites).toBe(2);
      await rpc.pollNow();
      expect(await port.channelStates()).toEqual(new Map([[1, 'Disconnected'], [2, 'Disconnected']]));
      rpc.setFaults({ refuseSetConfig: true });
      await expect(port.writeTable({})).rejects.toThrow(/rejected the request as invalid/);
    });
  });
});
