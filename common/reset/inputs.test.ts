import { describe, it, expect } from 'vitest';
import { checkEmail, type EmailProblem } from './email';
import { checkQrText, QR_TEXT_MAX, type QrTextProblem } from './qr-text';
import { checkSecurityCode } from './security-code';

describe('registered email', () => {
  const TABLE: [string, EmailProblem | 'ok'][] = [
    ['owner@example.com', 'ok'],
    ['  owner@example.com ', 'ok'],
    ['first.last+nvr@mail.example.co.uk', 'ok'],
    ['', 'empty'],
    ['owner@example.com\r\nBcc: x@evil.com', 'control-char'],
    ['owner@example.com%0ABcc:x@evil.com', 'header-injection'],
    ['owner@example.com?subject=hi', 'header-injection'],
    ['owner@example.com&cc=x@evil.com', 'header-injection'],
    ['a@example.com,b@example.com', 'several-addresses'],
    ['a@example.com; b@example.com', 'several-addresses'],
    ['owner', 'shape'],
    ['owner@', 'shape'],
    ['owner@localhost', 'shape'],
    ['a..b@example.com', 'shape'],
    ['x'.repeat(250) + '@e.com', 'too-long'],
  ];
  it.each(TABLE)('%j → %s', (input, expected) => {
    const r = checkEmail(input);
    if (expected === 'ok') expect(r).toMatchObject({ ok: true, email: input.trim() });
    else expect(r).toMatchObject({ ok: false, problem: expected });
    if (!r.ok) expect(r.message.length).toBeGreaterThan(10);
  });
});

describe('QR text', () => {
  const TABLE: [string, QrTextProblem | 'ok'][] = [
    ['https://gpwd.htmicrochip.com/r?sn=1&n=2&e=a%40b.c', 'ok'],
    ['https://x/r?a=1\n', 'ok'], // scanner apps add a trailing newline
    ['', 'empty'],
    ['   ', 'empty'],
    ['https://x/r?a=1\u0000', 'control-char'],
    ['https://x/\u001b[31mred', 'control-char'],
    ['line1\nline2', 'control-char'],
    ['abc\ud800', 'broken-unicode'],
    ['x'.repeat(QR_TEXT_MAX + 1), 'too-long'],
    ['x'.repeat(3_000_000), 'too-long'],
    ['🔒'.repeat(1100), 'too-long'], // 1,100 characters but 4,400 bytes
  ];
  it.each(TABLE.map(([t, e]) => [t.length > 60 ? `${t.slice(0, 20)}…(${t.length})` : t, t, e] as const))('%j → %s', (_label, input, expected) => {
    const r = checkQrText(input);
    if (expected === 'ok') expect(r.ok).toBe(true);
    else expect(r).toMatchObject({ ok: false, problem: expected });
  });
  it('keeps the text exact apart from the trailing newline', () => {
    expect(checkQrText('https://x/r?a=1 \n')).toMatchObject({ ok: true, text: 'https://x/r?a=1 ' });
  });
  it('checks megabytes quickly', () => {
    const t0 = performance.now();
    checkQrText('y'.repeat(8_000_000));
    expect(performance.now() - t0).toBeLessThan(50);
  });
});

describe('security code', () => {
  const TABLE: [string, string | false][] = [
    ['K7QXM2PD', 'K7QXM2PD'],
    ['k7qx-m2pd', 'K7QXM2PD'],
    [' K7QX M2PD ', 'K7QXM2PD'],
    ['', false],
    ['K7QXM2P', false],
    ['K7QXM2PDZ', false],
    ['K7QX_M2PD', false],
    ['K7QX;M2PD', false],
    ['K7QXM2PD\n', 'K7QXM2PD'],
    ['К7QXM2PD', false], // Cyrillic К
    ['1'.repeat(500), false],
  ];
  it.each(TABLE)('%j → %j', (input, expected) => {
    const r = checkSecurityCode(input);
    if (expected) expect(r).toEqual({ ok: true, code: expected });
    else expect(r.ok).toBe(false);
  });
});
