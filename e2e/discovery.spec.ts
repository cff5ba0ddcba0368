import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { startDevice } from '../sim/site';
import { makeIdentity } from '../sim/identities';
import { startDiscoverySim } from '../sim/discovery';
import { devInitOf } from '../sim/devinit/addon';
import { rpcOf } from '../sim/nvr/rpc-addon';

// Discovery on its own ports, so this app hears only this test's site. Camera '2'
// ignores multicast: only a sweep or a manual add can find it.
const WSD_PORT = 43720;
const SSDP_PORT = 41920;
const DHIP_PORT = 43722;
test.use({
  siteOptions: { cameras: 3, seed: 31, factoryFresh: { '1': {} }, discovery: { wsdPort: WSD_PORT, ssdpPort: SSDP_PORT, dhipPort: DHIP_PORT, ssdpHttpPort: 49160, devices: { '2': { multicast: false } } } },
  appEnv: { NVR_DISCOVERY_PORTS: `${WSD_PORT},${SSDP_PORT},${DHIP_PORT}` },
});

const rowOf = (page: Page, attr: 'serial' | 'address', value: string) => page.locator(`[data-testid="device-row"][data-${attr}="${value}"]`);

test('lists the NVR and cameras live with model, serial and MAC, and a device that boots later', async ({ app, site }, testInfo) => {
  const { page } = app;
  const silent = site.cameras[2]!;
  for (const d of site.devices.filter((x) => x !== silent)) {
    const row = rowOf(page, 'serial', d.identity.serialNumber);
    await expect(row).toBeVisible();
    await expect(row.getByTestId('device-model')).toHaveText(d.identity.model);
    await expect(row.getByTestId('device-mac')).toHaveText(d.identity.mac);
    await expect(row).toHaveAttribute('data-online', 'true');
  }
  await expect(rowOf(page, 'serial', site.nvr.identity.serialNumber)).toHaveAttribute('data-kind', 'nvr');
  await expect(rowOf(page, 'address', silent.address)).toHaveCount(0);

  // Live: a camera plugged in now says Hello and appears without any click.
  const identity = makeIdentity('camera', 40, 31);
  const late = await startDevice({ identity, address: `${site.block}.60`, port: site.port, users: [{ username: 'admin', password: 'Install2019', userLevel: 'Administrator' }] });
  const lateSim = await startDiscoverySim([{ identity, address: late.address, xaddr: late.xaddr, ssdp: false }], { wsdPort: WSD_PORT, ssdpPort: SSDP_PORT, ssdpHttpPort: 49160 });
  try {
    await expect(rowOf(page, 'address', late.address)).toHaveAttribute('data-online', 'true');
    await expect(rowOf(page, 'address', late.address).getByTestId('device-mac')).toHaveText(identity.mac);
  } finally {
    await lateSim.stop();
    await late.stop();
  }
  await testInfo.attach('devices', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
});

test('DHIP answers land on the same rows: the NVR\'s class and channels, a camera not initialised yet', async ({ app, site }) => {
  const { page } = app;
  await expect(rowOf(page, 'serial', site.nvr.identity.serialNumber)).toBeVisible();
  // The renderer shows these from the row's dhip field (UX); here the contract's side of it.
  await expect
    .poll(async () => {
      const list = await app.call('devices.list');
      const nvr = list.find((d) => d.serial === site.nvr.identity.serialNumber);
      const fresh = list.find((d) => d.serial === site.cameras[1]!.identity.serialNumber);
      return [nvr?.kind, nvr?.dhip?.deviceClass, nvr?.dhip?.remoteChannels, nvr?.protocols.includes('ws-discovery'), fresh?.dhip?.init, list.filter((d) => d.serial === site.nvr.identity.serialNumber).length];
    })
    .toEqual(['nvr', 'NVR', 8, true, 'not-initialised', 1]);
});

test('at a glance: the factory-fresh camera can be chosen for initialising; each Dahua-family row says whether a reset by e-mail is possible — no sign-in spent', async ({ app, site }) => {
  const { page } = app;
  const fresh = rowOf(page, 'serial', site.cameras[1]!.identity.serialNumber);
  const nvr = rowOf(page, 'serial', site.nvr.identity.serialNumber);
  await expect(fresh.getByTestId('not-initialised')).toBeVisible();
  await expect(fresh.getByTestId('init-choose')).not.toBeChecked();
  await expect(page.getByTestId('init-chosen')).toContainText('0 of 1 not-initialised device chosen');
  // Nothing to reset on a device that has no password yet: its "Not initialised" badge says it all.
  await expect(fresh.getByTestId('reset-capability')).toHaveCount(0);
  // The NVR's DHIP answer offers a reset; which e-mail is registered it does not say without a sign-in.
  await expect(nvr.getByTestId('reset-capability')).toHaveAttribute('data-reset', 'unknown');
  await expect(nvr.getByTestId('reset-capability')).toContainText('reset offered');
  const freshId = (await app.call('devices.list')).find((d) => d.serial === site.cameras[1]!.identity.serialNumber)!.id;
  expect(await app.call('init.capability', { targets: [{ deviceId: freshId }] })).toMatchObject([{ init: 'not-initialised', resetByEmail: 'not-possible', descript: 'not-initialised' }]);
  // Read without signing in: neither the camera nor the NVR saw a sign-in, let alone a refused one.
  expect(devInitOf(site, 1).stats()).toMatchObject({ logins: 0, loginFailures: 0, accountCalls: 0 });
  expect(rpcOf(site).stats()).toMatchObject({ logins: 0, loginFailures: 0 });
});

test('a device added by IP appears', async ({ app, site }) => {
  const { page } = app;
  const silent = site.cameras[2]!;
  await expect(rowOf(page, 'serial', site.nvr.identity.serialNumber)).toBeVisible();
  await page.getByLabel('Add by IP or host name[:port]').fill(`${silent.address}:${site.port}`);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByTestId('add-outcome')).toHaveText(`Added ${silent.address}`);
  const row = rowOf(page, 'address', silent.address);
  await expect(row).toHaveAttribute('data-online', 'true');
  await expect(row).toContainText('by hand');
  // Nothing listens there: a readable refusal, not a crash.
  await page.getByLabel('Add by IP or host name[:port]').fill(`${site.block}.99:${site.port}`);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByTestId('add-outcome')).toContainText('Nothing answered');
});

test('a device that sends Bye shows offline and stays listed', async ({ app, site }) => {
  const { page } = app;
  const cam = site.cameras[0]!;
  const row = rowOf(page, 'serial', cam.identity.serialNumber);
  await expect(row).toHaveAttribute('data-online', 'true');
  await cam.stop(); // the sim sends Bye before closing
  await expect(row).toHaveAttribute('data-online', 'false');
  await expect(row).toContainText('Offline');
  await expect(rowOf(page, 'serial', site.nvr.identity.serialNumber)).toHaveAttribute('data-online', 'true');
});

test('a sweep of the simulated range finds the device that ignores multicast', async ({ app, site }) => {
  const { page } = app;
  const silent = site.cameras[2]!;
  await expect(rowOf(page, 'serial', site.nvr.identity.serialNumber)).toBeVisible();
  await expect(rowOf(page, 'address', silent.address)).toHaveCount(0);
  await page.getByLabel('Sweep range (CIDR, at most /16)').fill(`${site.block}.0/24`);
  await page.getByLabel('ONVIF ports (optional)').fill(String(site.port));
  await page.getByRole('button', { name: 'Sweep', exact: true }).click();
  await expect(page.getByTestId('sweep-outcome')).toHaveText(`Sweep done: ${site.devices.length} of 254 address(es) answered`, { timeout: 60_000 });
  const row = rowOf(page, 'address', silent.address);
  await expect(row).toHaveAttribute('data-online', 'true');
  await expect(row).toContainText('sweep');
  // The sweep merged into the multicast rows instead of duplicating them.
  await expect(page.getByTestId('device-row')).toHaveCount(site.devices.length);
  // Bad ranges are refused before any packet leaves.
  await page.getByLabel('Sweep range (CIDR, at most /16)').fill('10.0.0.0/8');
  await page.getByRole('button', { name: 'Sweep', exact: true }).click();
  await expect(page.getByTestId('sweep-outcome')).toContainText('/16');
});

test('stays usable with 1,000 devices: virtualised rows, filter and sort', async ({ app, site }) => {
  const { page } = app;
  await expect(rowOf(page, 'serial', site.nvr.identity.serialNumber)).toBeVisible();
  // 1,000 lightweight devices boot now: their Hellos alone must fill the list, live.
  const { startFleet } = await import('../sim/discovery');
  const fleet = await startFleet({ count: 1000, ssdpCount: 0, block: 180, seed: 77, wsdPort: WSD_PORT, ssdpPort: SSDP_PORT, ssdpHttpPort: 49161 });
  try {
    const total = 1000 + site.devices.length - 1; // the multicast-silent camera is not listed
    await expect(page.getByTestId('device-count')).toContainText(`${total} device(s), ${total} online`, { timeout: 30_000 });
    // Virtualised: a thousand rows, a screenful in the DOM.
    expect(await page.getByTestId('device-row').count()).toBeLessThan(60);
    const last = fleet.devices[999]!;
    await page.getByRole('searchbox').fill(last.address);
    await expect(page.getByTestId('device-row')).toHaveCount(1);
    await expect(rowOf(page, 'address', last.address)).toBeVisible();
    await page.getByRole('searchbox').fill('');
    // Sort by address descending: the fleet's highest address comes first.
    await page.getByRole('button', { name: /^Addresses/ }).click();
    await page.getByRole('button', { name: /^Addresses/ }).click();
    await expect(page.getByTestId('device-row').first()).toHaveAttribute('data-address', last.address);
    await page.getByTestId('device-scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect(rowOf(page, 'address', site.nvr.address)).toBeVisible();
  } finally {
    await fleet.stop();
  }
});
