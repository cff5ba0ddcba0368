import { describe, it, expect, afterEach } from 'vitest';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { mailboxPage, startNvrReset, type NvrResetSim } from './reset-page';
import { DAY } from './support';

// Loopback block 127.61.1.0/24 is this file's own.
const ADDRESS = '127.61.1.10';
let sim: NvrResetSim | undefined;
afterEach(async () => void (await sim?.stop(), (sim = undefined)));

function nvr() {
  const passwords = new Map([['admin', 'Forgot2019x']]);
  return {
    passwords,
    target: { identity: { serialNumber: '7M0ABC123', model: 'DHI-NVR4108HS' }, users: { setPassword: (u: string, p: string) => void passwords.set(u, p) } },
  };
}

async function post(path: string, form: Record<string, string>): Promise<string> {
  const res = await fetch(new URL(path, sim!.url), { method: 'POST', body: new URLSearchParams(form), redirect: 'follow' });
  return res.text();
}

async function toCodeScreen(email = 'owner@example.com') {
  await post('/forgot', {});
  await post('/email', { email });
  const html = await (await fetch(sim!.url)).text();
  await post('/next', {});
  return html;
}

describe('simulated NVR reset screens and support mailbox', () => {
  it('runs the whole forgot-password flow and changes the ONVIF password', async () => {
    const n = nvr();
    sim = await startNvrReset({ address: ADDRESS, nvr: n.target, registeredEmail: 'owner@example.com' });
    expect(await (await fetch(sim.url)).text()).toContain('Forgot Password');
    await post('/forgot', {});
    expect(await post('/email', { email: 'someone@else.com' })).toContain('does not match');
    await post('/email', { email: 'Owner@Example.com' });
    const qrHtml = await (await fetch(sim.url)).text();
    // The QR image decodes to the text the NVR issued (serial, nonce, email).
    const dataUrl = /src="data:image\/png;base64,([^"]+)"/.exec(qrHtml)![1]!;
    const png = PNG.sync.read(Buffer.from(dataUrl, 'base64'));
    const qrText = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)!.data;
    expect(qrText).toBe(sim.state().qrText);
    expect(qrText).toMatch(/sn=7M0ABC123&n=[0-9a-f]{16}&e=Owner%40Example\.com$/);
    await post('/next', {});

    // Support refuses a subject, extra text, extra headers; answers the exact text.
    const enc = encodeURIComponent(qrText);
    expect((await sim.mailbox.deliver(`mailto:support_gpwd@htmicrochip.com?subject=Reset&body=${enc}`)).text).toMatch(/subject/);
    expect((await sim.mailbox.deliver(`mailto:support_gpwd@htmicrochip.com?body=${enc}%0A%0ASent%20from%20my%20phone`)).text).toMatch(/more than the QR text/);
    expect((await sim.mailbox.deliver(`mailto:support_gpwd@htmicrochip.com?cc=x%40y.z&body=${enc}`)).text).toMatch(/extra headers/);
    expect((await sim.mailbox.deliver(`mailto:help@htmicrochip.com?body=${enc}`)).accepted).toBe(false);
    const reply = await sim.mailbox.deliver(`mailto:support_gpwd@htmicrochip.com?body=${enc}`);
    expect(reply).toMatchObject({ accepted: true, to: 'Owner@Example.com', code: expect.stringMatching(/^[A-Z2-9]{8}$/) });
    expect(sim.mailbox.inbox()).toHaveLength(5);

    expect(await post('/code', { code: 'WRONG111' })).toContain('4 attempts left');
    await post('/code', { code: `${reply.code!.slice(0, 4)}-${reply.code!.slice(4).toLowerCase()}` });
    expect(await post('/password', { password: 'Camera;2024', confirm: 'Camera;2024' })).toMatch(/cannot contain/);
    expect(await post('/password', { password: 'Camera2024', confirm: 'Camera2025' })).toMatch(/do not match/);
    expect(await post('/password', { password: 'cameracamera', confirm: 'cameracamera' })).toMatch(/two of/);
    expect(await post('/password', { password: 'Camera2024x', confirm: 'Camera2024x' })).toMatch(/Sync the new password/);
    expect(n.passwords.get('admin')).toBe('Camera2024x');
    expect(await post('/sync', { choice: 'save' })).toMatch(/Password reset/);
    expect(sim.state()).toMatchObject({ stage: 'done', syncChoice: 'save' });
  });

  it('locks code entry for ~5 minutes after 5 wrong codes', async () => {
    sim = await startNvrReset({ address: ADDRESS, nvr: nvr().target, registeredEmail: 'owner@example.com' });
    await toCodeScreen();
    const reply = await sim.mailbox.deliver(`mailto:support_gpwd@htmicrochip.com?body=${encodeURIComponent(sim.state().qrText!)}`);
    for (let i = 0; i < 4; i++) await post('/code', { code: 'AAAAAAAA' });
    expect(await post('/code', { code: 'AAAAAAAA' })).toContain('locked for 5 minutes');
    expect(await post('/code', { code: reply.code! })).toContain('Try again in 5 min');
    sim.advance(5 * 60_000);
    expect(await post('/code', { code: reply.code! })).toContain('New Password');
  });

  it('codes expire after 24 h and a QR yields at most two codes', async () => {
    sim = await startNvrReset({ address: ADDRESS, nvr: nvr().target, registeredEmail: 'owner@example.com' });
    await toCodeScreen();
    const mailto = `mailto:support_gpwd@htmicrochip.com?body=${encodeURIComponent(sim.state().qrText!)}`;
    const first = await sim.mailbox.deliver(mailto);
    expect((await sim.mailbox.deliver(mailto)).accepted).toBe(true);
    expect((await sim.mailbox.deliver(mailto)).text).toMatch(/two security codes/);
    sim.advance(DAY);
    expect(await post('/code', { code: first.code! })).toContain('expired');
    expect(sim.state().stage).toBe('code');
  });

  it('start over leads back to the login screen, and a second reset can run after the first', async () => {
    const n = nvr();
    sim = await startNvrReset({ address: ADDRESS, nvr: n.target, registeredEmail: 'owner@example.com' });
    await toCodeScreen();
    expect(await post('/start-over', {})).toContain('Forgot Password');
    expect(sim.state().stage).toBe('login');
    // A whole reset, then another one from the done screen.
    await toCodeScreen();
    const qr = sim.state().qrText!;
    const reply = await sim.mailbox.deliver(`mailto:support_gpwd@htmicrochip.com?body=${encodeURIComponent(qr)}`);
    await post('/code', { code: reply.code! });
    await post('/password', { password: 'First2026ab', confirm: 'First2026ab' });
    await post('/sync', { choice: 'cancel' });
    expect(sim.state().stage).toBe('done');
    expect(await post('/start-over', {})).toContain('Forgot Password');
    await toCodeScreen();
    expect(sim.state().stage).toBe('code');
    expect(sim.state().qrText).not.toBe(qr);
  });

  it('the mailbox reads as mail in a browser (From, To, empty Subject, the code) and stays JSON for scripts', async () => {
    const n = nvr();
    sim = await startNvrReset({ address: ADDRESS, nvr: n.target, registeredEmail: 'owner@example.com' });
    await toCodeScreen();
    const reply = await sim.mailbox.deliver(`mailto:support_gpwd@htmicrochip.com?body=${encodeURIComponent(sim.state().qrText!)}`);
    await sim.mailbox.deliver('mailto:support_gpwd@htmicrochip.com?body=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    const html = await (await fetch(new URL('mailbox/inbox', sim.url), { headers: { accept: 'text/html' } })).text();
    expect(html).toMatch(/<dt>From<\/dt><dd>support_gpwd@htmicrochip\.com<\/dd><dt>To<\/dt><dd>owner@example\.com<\/dd><dt>Subject<\/dt><dd class="empty">\(empty\)<\/dd>/);
    expect(html).toContain(`${reply.code!.slice(0, 4)}-${reply.code!.slice(4)}`);
    expect(html).not.toContain('<script>');
    const json = (await (await fetch(new URL('mailbox/inbox', sim.url))).json()) as unknown[];
    expect(json).toHaveLength(2);
  });
});

describe('the simulated pages are readable by assistive technology', () => {
  it('the mailbox declares its language and never reloads itself; a Refresh button instead', () => {
    for (const html of [mailboxPage([]), mailboxPage([{ at: 0, from: 'support@x', to: 'o@example.com', text: 'Your code', accepted: true, code: 'K7QXM2PD' } as never])]) {
      expect(html).toMatch(/<html lang="en">/);
      expect(html).not.toMatch(/http-equiv="refresh"/i);
      expect(html).toMatch(/<form method="get"><button type="submit">Refresh<\/button>/);
    }
  });
});
