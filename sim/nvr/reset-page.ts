import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import QRCode from 'qrcode';
import { answer, DAY, makeQrText, newNonce, parseMailto, type IncomingMail, type Reply, type ResetRequest } from './support';

/**
 * What the technician sees on the NVR's own monitor during a forgot-password
 * reset (seed article), served as a small web page on the NVR's address, plus
 * the vendor's support mailbox. The NVR enforces what real ones do
 * (DOMAIN.md): the registered email, codes valid 24 h, two codes per QR, 5
 * wrong entries lock code entry for ~5 minutes, the password rule; after the
 * reset its ONVIF service takes the new password.
 */
export interface ResetTarget {
  identity: { serialNumber: string; model: string };
  users: { setPassword(u: string, p: string): void };
}

export interface NvrResetOptions {
  address: string;
  nvr: ResetTarget;
  registeredEmail: string;
  /** Base clock (default Date.now); advance() adds to it. */
  clock?: () => number;
  username?: string;
}

export interface SimMailbox {
  url: string;
  /** Delivers what a mail client would send for this mailto link; returns support's reply. */
  deliver(mailtoUrl: string): Promise<Reply>;
  send(mail: IncomingMail): Reply;
  inbox(): Reply[];
}

export type Stage = 'login' | 'email' | 'qr' | 'code' | 'password' | 'sync' | 'done';

export interface NvrResetSim {
  url: string;
  mailbox: SimMailbox;
  state(): { stage: Stage; wrongEntries: number; lockedUntil?: number; syncChoice?: 'save' | 'cancel'; qrText?: string };
  /** Moves the sim's clock (NVR and support) forward. */
  advance(ms: number): void;
  now(): number;
  stop(): Promise<void>;
}

const LOCK_AFTER = 5;
const LOCK_MS = 5 * 60_000;
const FORBIDDEN = /['";:&]/;

/** The NVR's own password rule, implemented independently of the app's. */
function nvrRuleError(pw: string): string | undefined {
  if (pw.length < 8 || pw.length > 32) return 'The password must be 8 to 32 characters.';
  if (FORBIDDEN.test(pw)) return 'The password cannot contain \' " ; : &.';
  if (/[^\x21-\x7e]/.test(pw)) return 'The password contains unsupported characters.';
  const kinds = [/[A-Za-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length;
  if (kinds < 2) return 'Use at least two of: letters, numbers, symbols.';
  return undefined;
}

export async function startNvrReset(opts: NvrResetOptions): Promise<NvrResetSim> {
  if (!opts.address.startsWith('127.')) throw new Error(`the NVR reset page binds to loopback only, got ${opts.address}`);
  const nvr = new ResetNvr(opts);
  const mailbox = mailboxOf(nvr);
  const server: Server = createServer((req, res) => {
    handle(nvr, mailbox, req, res).catch((e: unknown) => send(res, 500, 'text/plain', String(e)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.address, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.address}:${port}/`;
  mailbox.url = `${url}mailbox/`;

  return {
    url,
    mailbox,
    state: () => ({ stage: nvr.stage, wrongEntries: nvr.wrong, lockedUntil: nvr.lockedUntil, syncChoice: nvr.syncChoice, qrText: nvr.current?.qrText }),
    advance: (ms) => nvr.advance(ms),
    now: () => nvr.now(),
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** What the NVR's reset screens hold between button presses, and support's side of the QR codes it issued. */
class ResetNvr {
  stage: Stage = 'login';
  current: ResetRequest | undefined;
  wrong = 0;
  lockedUntil: number | undefined;
  syncChoice: 'save' | 'cancel' | undefined;
  /** Shown once, on the next screen. */
  message = '';
  readonly requests = new Map<string, ResetRequest>();
  readonly replies: Reply[] = [];
  private offset = 0;

  constructor(readonly opts: NvrResetOptions) {}

  now(): number {
    return (this.opts.clock ?? Date.now)() + this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }

  issueQr(email: string): void {
    const serial = this.opts.nvr.identity.serialNumber;
    const nonce = newNonce();
    const qrText = makeQrText(serial, nonce, email);
    this.current = { qrText, serial, nonce, email, issuedAt: this.now(), codes: [] };
    this.requests.set(qrText, this.current);
  }
}

/** The screens a browser reads, the buttons it presses (a form post, then back to the screen), and the mailbox's own API. */
async function handle(nvr: ResetNvr, mailbox: SimMailbox, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://nvr');
  if (req.method === 'GET' && url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', await page(nvr));
  if (req.method === 'GET' && (url.pathname === '/mailbox/inbox' || url.pathname === '/mailbox/')) {
    // A browser (Accept: text/html) gets the readable mailbox; scripts and tests keep the JSON.
    const wantsHtml = url.pathname === '/mailbox/' || /text\/html/.test(req.headers.accept ?? '');
    return wantsHtml ? send(res, 200, 'text/html; charset=utf-8', mailboxPage(nvr.replies)) : send(res, 200, 'application/json', JSON.stringify(nvr.replies));
  }
  if (req.method !== 'POST') return send(res, 404, 'text/plain', 'not found');
  const raw = await readBody(req);
  if (url.pathname === '/mailbox/messages') {
    let mail: IncomingMail;
    try {
      mail = JSON.parse(raw) as IncomingMail;
    } catch {
      return send(res, 400, 'text/plain', 'not JSON');
    }
    return send(res, 200, 'application/json', JSON.stringify(mailbox.send(mail)));
  }
  press(nvr, url.pathname, new URLSearchParams(raw));
  res.writeHead(303, { location: '/' }).end();
}

const postForm = (action: string, inner: string) => `<form method="post" action="${action}">${inner}</form>`;
// Every screen past the login offers a way back to the start, as the NVR's own Cancel does.
const START_OVER = postForm('/start-over', '<button type="submit" class="secondary">Start over</button>');

/** One screen per stage; `err` is the last button's complaint, shown once. */
const SCREENS: Record<Stage, (nvr: ResetNvr, err: string) => string | Promise<string>> = {
  login: () =>
    screen('Login', `<p>User name: admin</p><label>Password <input type="password" name="pw" disabled></label>
          ${postForm('/forgot', '<button type="submit">Forgot Password</button>')}`),
  email: (_nvr, err) =>
    screen('Reset Password', `${err}<p>Enter the email address you registered on this device.</p>
          ${postForm('/email', '<label>Email address <input name="email" type="text" autocomplete="off"></label> <button type="submit">Next</button>')}${START_OVER}`),
  qr: async (nvr, err) => {
    const img = await QRCode.toDataURL(nvr.current!.qrText, { errorCorrectionLevel: 'M', margin: 4, scale: 6 });
    return screen('Reset Password', `${err}<p>Scan the QR code with a phone app and email the text to support_gpwd@htmicrochip.com (no subject). A security code will be sent to the registered email within 24 hours.</p>
          <img id="reset-qr" alt="Reset QR code" src="${img}">
          ${postForm('/next', '<button type="submit">Next</button>')}${START_OVER}`);
  },
  code: (_nvr, err) =>
    screen('Reset Password', `${err}<p>Enter the security code from the email.</p>
          ${postForm('/code', '<label>Security code <input name="code" type="text" autocomplete="off"></label> <button type="submit">Next</button>')}
          ${postForm('/back', '<button type="submit">Back</button>')}${START_OVER}`),
  password: (_nvr, err) =>
    screen('Reset Password', `${err}<p>8 to 32 characters, letters and numbers recommended; do not use ' " ; : &amp;</p>
          ${postForm('/password', `<label>New Password <input name="password" type="password"></label>
            <label>Confirm Password <input name="confirm" type="password"></label> <button type="submit">Save</button>`)}${START_OVER}`),
  sync: () =>
    screen('Prompt', `<p>Sync the new password to remotely connected devices via the default protocol?</p>
          ${postForm('/sync', '<button type="submit" name="choice" value="save">Save</button> <button type="submit" name="choice" value="cancel">Cancel</button>')}`),
  done: (nvr) =>
    screen('Login', `<p role="status">Password reset. ${nvr.syncChoice === 'save' ? 'The new password was synced to remote devices added by the NVR’s own protocol.' : 'No devices were synced.'} Log in with the new password.</p>
          ${postForm('/start-over', '<button type="submit">Start over</button>')}`),
};

function page(nvr: ResetNvr): string | Promise<string> {
  const err = nvr.message ? `<p class="msg" role="alert">${esc(nvr.message)}</p>` : '';
  nvr.message = '';
  return SCREENS[nvr.stage](nvr, err);
}

type Button = { on: readonly Stage[]; press(nvr: ResetNvr, form: URLSearchParams): void };

/** Each button by the path its form posts to, and the screens it is on; any other press does nothing. */
const BUTTONS = new Map<string, Button>([
  ['/start-over', { on: ['login', 'email', 'qr', 'code', 'password', 'done'], press: startOver }],
  ['/forgot', { on: ['login'], press: (n) => void (n.stage = 'email') }],
  ['/email', { on: ['email'], press: enterEmail }],
  ['/next', { on: ['qr'], press: (n) => void (n.stage = 'code') }],
  ['/back', { on: ['code'], press: (n) => void (n.stage = 'email') }],
  ['/code', { on: ['code'], press: enterCode }],
  ['/password', { on: ['password'], press: enterPassword }],
  ['/sync', { on: ['sync'], press: answerSync }],
]);

function press(nvr: ResetNvr, path: string, form: URLSearchParams): void {
  const button = BUTTONS.get(path);
  if (button?.on.includes(nvr.stage)) button.press(nvr, form);
  else nvr.message = 'That button does nothing on this screen.';
}

/** Back to the login screen: a new reset can begin (a QR already issued stays valid with support, as on a real NVR). */
function startOver(nvr: ResetNvr): void {
  nvr.stage = 'login';
  nvr.syncChoice = undefined;
  nvr.message = '';
}

/** Only the email registered on the NVR gets a QR code. */
function enterEmail(nvr: ResetNvr, form: URLSearchParams): void {
  const email = (form.get('email') ?? '').trim();
  if (email.toLowerCase() !== nvr.opts.registeredEmail.toLowerCase()) {
    nvr.message = 'The email address does not match the one registered on this device.';
    return;
  }
  nvr.issueQr(email);
  nvr.stage = 'qr';
}

/** A code support issued for this QR within 24 h; 5 wrong entries lock code entry for 5 minutes. */
function enterCode(nvr: ResetNvr, form: URLSearchParams): void {
  const t = nvr.now();
  if (nvr.lockedUntil !== undefined && t < nvr.lockedUntil) {
    nvr.message = `Too many wrong codes. Try again in ${Math.ceil((nvr.lockedUntil - t) / 60_000)} min.`;
    return;
  }
  nvr.lockedUntil = undefined;
  const typed = (form.get('code') ?? '').replace(/[\s-]/g, '').toUpperCase();
  const match = nvr.current?.codes.find((c) => c.code === typed);
  if (match && t - match.issuedAt >= DAY) {
    nvr.message = 'The security code has expired. Go back and generate a new QR code.';
    return;
  }
  if (!match) {
    nvr.wrong++;
    if (nvr.wrong >= LOCK_AFTER) {
      nvr.lockedUntil = t + LOCK_MS;
      nvr.wrong = 0;
      nvr.message = 'Too many wrong codes. Code entry is locked for 5 minutes.';
    } else nvr.message = `Wrong security code. ${LOCK_AFTER - nvr.wrong} attempts left.`;
    return;
  }
  nvr.wrong = 0;
  nvr.stage = 'password';
}

/** The NVR's own rule; the device's ONVIF account takes the new password, and the QR and its codes are spent. */
function enterPassword(nvr: ResetNvr, form: URLSearchParams): void {
  const pw = form.get('password') ?? '';
  const problem = pw !== (form.get('confirm') ?? '') ? 'The passwords do not match.' : nvrRuleError(pw);
  if (problem) {
    nvr.message = problem;
    return;
  }
  nvr.opts.nvr.users.setPassword(nvr.opts.username ?? 'admin', pw);
  if (nvr.current) nvr.requests.delete(nvr.current.qrText);
  nvr.current = undefined;
  nvr.stage = 'sync';
}

/** The NVR's offer to push the new password to the cameras it added by its own protocol: Save or Cancel. */
function answerSync(nvr: ResetNvr, form: URLSearchParams): void {
  nvr.syncChoice = form.get('choice') === 'save' ? 'save' : 'cancel';
  nvr.stage = 'done';
}

/** The vendor's support mailbox: a mail client's message in, support's reply out (kept for the inbox). */
function mailboxOf(nvr: ResetNvr): SimMailbox {
  return {
    url: '',
    async deliver(mailtoUrl) {
      let mail;
      try {
        mail = parseMailto(mailtoUrl);
      } catch {
        return this.send({ to: '', body: '' });
      }
      if (mail.extraHeaders.length) {
        const reply: Reply = { at: nvr.now(), from: 'support_gpwd@htmicrochip.com', to: '(sender)', accepted: false, text: `Your request could not be processed: the message carries extra headers (${mail.extraHeaders.join(', ')}).` };
        nvr.replies.push(reply);
        return reply;
      }
      return this.send(mail);
    },
    send(mail) {
      const reply = answer(mail, nvr.requests, nvr.now());
      nvr.replies.push(reply);
      return reply;
    },
    inbox: () => [...nvr.replies],
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) return void req.destroy(new Error('body too large'));
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The simulated mailbox as mail: From, To, Subject (support's replies have none) and the code, newest first. */
export function mailboxPage(replies: readonly Reply[]): string {
  const mails = [...replies]
    .reverse()
    .map(
      (r) => `<article class="mail${r.accepted ? '' : ' refused'}">
  <dl><dt>From</dt><dd>${esc(r.from)}</dd><dt>To</dt><dd>${esc(r.to)}</dd><dt>Subject</dt><dd class="empty">(empty)</dd><dt>Received</dt><dd>${esc(new Date(r.at).toLocaleString())}</dd></dl>
  <p>${esc(r.text)}</p>
  ${r.code ? `<p class="code">Security code: <b>${esc(r.code.slice(0, 4))}-${esc(r.code.slice(4))}</b></p>` : ''}
</article>`,
    )
    .join('\n');
  // No auto-refresh (a page that reloads itself every few seconds moves a screen reader's place and a keyboard's focus): a Refresh button.
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Simulated support mailbox</title>
<style>body{font:15px sans-serif;margin:24px;background:#f4f6f8;color:#1d232b}article{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px 16px;margin:12px 0;max-width:720px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 8px}dt{color:#4f5760}dd{margin:0}.empty{color:#4f5760;font-style:italic}.code{font-size:20px}.refused{border-color:#cf222e}</style>
</head><body><main><h1>Simulated support mailbox</h1><p>Demo only: replies from the simulated vendor support, as the registered email would receive them.</p>
<form method="get"><button type="submit">Refresh</button> <span>to see replies that arrived since this page opened.</span></form>
${mails || '<p>No mail yet. Send the QR text to support from the app, then press Refresh.</p>'}</main></body></html>`;
}

function screen(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>NVR — ${title}</title>
<style>body{background:#10161d;color:#e8eef4;font:16px sans-serif;margin:0;padding:24px}main{max-width:640px;margin:auto;background:#1d2731;padding:24px;border-radius:6px}
label{display:block;margin:10px 0}input{font-size:16px;padding:4px}button{font-size:16px;margin:6px 6px 0 0}img{display:block;margin:16px auto;background:#fff}.msg{color:#ffb4a8}</style>
</head><body><main><h1>${title}</h1>${body}</main></body></html>`;
}
