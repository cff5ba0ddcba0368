import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './fixtures';

// The fixture's own promises, which every other spec relies on.
test.use({ siteOptions: { cameras: 0 } });

test('nextEvent subscribes before its action runs, so an event the action causes at once is seen', async ({ app }) => {
  const changed = await app.nextEvent('cases.changed', () => app.call('cases.create', { nvr: { label: 'Fixture NVR' } }));
  expect(changed.case.nvr.label).toBe('Fixture NVR');
});

test('every test starts on a data folder of its own, with no case from any other test', async ({ app }) => {
  expect(existsSync(join(app.dataDir, 'cases.json'))).toBe(false);
  expect((await app.call('cases.list')).cases).toEqual([]);
});
