import { describe, it, expect } from 'vitest';
import { startSite } from '../site';
import { resetOf } from './addon';

// Loopback block 127.61.2.0/24 is this file's own.
describe('nvr-reset site add-on', () => {
  it('starts with the site on the NVR address and resets the NVR’s ONVIF password', async () => {
    const site = await startSite({ block: '127.61.2', cameras: 1, registeredEmail: 'tech@example.com' });
    try {
      const { url, mailbox } = resetOf(site);
      expect(url).toMatch(/^http:\/\/127\.61\.2\.10:\d+\/$/);
      expect(mailbox.url).toBe(`${url}mailbox/`);
      // The mailbox's HTTP API refuses a message for an unknown QR text.
      const res = await fetch(`${mailbox.url}messages`, { method: 'POST', body: JSON.stringify({ to: 'support_gpwd@htmicrochip.com', body: 'hello' }) });
      expect(await res.json()).toMatchObject({ accepted: false, text: expect.stringMatching(/not the text of an NVR reset QR code/) });
      expect(site.nvr.users.checkPassword('admin', 'Forgot2019x')).toBe(true);
    } finally {
      await site.stop();
    }
  });
});
