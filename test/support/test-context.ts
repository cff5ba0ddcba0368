import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OffsetClock } from '../../common/clock';
import type { ServiceContext } from '../../main/core/context';
import { VerifiedCredentials } from '../../main/core/credentials';
import { CredentialGate } from '../../main/core/credential-gate';
import { EventBus } from '../../main/core/events';
import { createLogger, SecretRegistry } from '../../main/core/log';

/** A real ServiceContext on a temp data folder, with a recording host. */
export function testContext(dataDir = mkdtempSync(join(tmpdir(), 'cases-test-'))) {
  const secrets = new SecretRegistry();
  const events: { name: string; payload: unknown }[] = [];
  const notifications: { title: string; body: string }[] = [];
  const bus = new EventBus();
  bus.subscribe((name, payload) => events.push({ name, payload }));
  const clock = new OffsetClock(0);
  const ctx: ServiceContext = {
    dataDir,
    clock,
    log: createLogger({ dir: join(dataDir, 'logs'), secrets }),
    secrets,
    credentials: new VerifiedCredentials(secrets),
    gate: new CredentialGate({ clock }),
    events: bus,
    host: { kind: 'browser', openExternal: async () => undefined, notify: (title, body) => void notifications.push({ title, body }) },
    testHooks: true,
    options: { dataDir, testHooks: true, clockOffsetMs: 0, interfaces: [], embeddedSim: false },
  };
  return { ctx, events, notifications, dataDir };
}
