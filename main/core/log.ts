import { chmodSync, closeSync, fstatSync, fchmodSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const REDACTED = '‹redacted›';

/**
 * Secrets (passwords, security codes) are registered here the moment they enter
 * main, and every value is scrubbed of them before a log line is serialised.
 * Field names that look secret are masked too, so a careless `log.info({ password })`
 * cannot leak.
 */
export class SecretRegistry {
  private readonly secrets = new Set<string>();
  add(secret: string | undefined): void {
    // One- and two-character "secrets" would shred every log line; they are
    // rejected by validation long before this anyway.
    if (secret && secret.length >= 3) this.secrets.add(secret);
  }
  /** Raw text with every registered secret replaced (longest first, so one secret inside another goes whole). */
  scrub(text: string): string {
    let out = text;
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
    return out;
  }
  /** The same, for already-serialised JSON: also catches a secret in its escaped form (`"` → `\\"`, `\\` → `\\\\`). */
  scrubSerialised(json: string): string {
    let out = json;
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(s).join(REDACTED);
      const escaped = JSON.stringify(s).slice(1, -1);
      if (escaped !== s) out = out.split(escaped).join(REDACTED);
    }
    return out;
  }
}

const SECRET_KEY = /pass(word)?|secret|token|securityCode|^code$|credential/i;

/**
 * A log value made safe to serialise: secret-looking keys masked, registered
 * secrets scrubbed from every string (keys too), errors reduced to their text,
 * cycles and depth cut. Runs before JSON.stringify, so escaping cannot hide a secret.
 */
export function safeValue(value: unknown, secrets: SecretRegistry, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return secrets.scrub(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? String(typeof value) : value;
  if (seen.has(value)) return '[circular]';
  if (depth > 6) return '[too deep]';
  seen.add(value);
  if (value instanceof Error) return { name: value.name, message: secrets.scrub(value.message), stack: secrets.scrub(value.stack ?? '') };
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.map((v) => safeValue(v, secrets, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[secrets.scrub(k)] = SECRET_KEY.test(k) ? REDACTED : safeValue(v, secrets, depth + 1, seen);
  return out;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
  /** Writes pending repeat counts and closes the file (on quit). */
  close(): void;
}

export interface LogOptions {
  /** Folder for app.log (created 0700, the file 0600); omitted: stderr only. */
  dir?: string;
  secrets: SecretRegistry;
  /** Echo to stderr (the CLI keeps stdout for JSON). */
  stderr?: boolean;
  level?: LogLevel;
  /** app.log is rotated to app.log.1 … app.log.<keep> past this size. Default 5 MB. */
  maxBytes?: number;
  /** Rotated files kept. Default 3. */
  keep?: number;
  /** The same message (level, scope, text) is written at most `burst` times per `windowMs`; then counted. Default 10 per minute. */
  burst?: number;
  windowMs?: number;
  /** Wall clock (tests). */
  now?: () => number;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The log file: one per data folder, shared by a logger and its children; rotated by size. */
class LogFile {
  private fd: number | undefined;
  private size = 0;
  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly keep: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // mkdir's mode applies only to a folder it creates: tighten one that was already there.
    chmodSync(dir, 0o700);
    this.open();
  }
  private get path() {
    return join(this.dir, 'app.log');
  }
  private open() {
    this.fd = openSync(this.path, 'a', 0o600);
    fchmodSync(this.fd, 0o600);
    this.size = fstatSync(this.fd).size;
  }
  write(line: string) {
    if (this.fd === undefined) return;
    const bytes = Buffer.byteLength(line);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    // Synchronous on purpose: the last lines before a crash are the ones that matter.
    writeSync(this.fd, line);
    this.size += bytes;
  }
  private rotate() {
    this.close();
    rmSync(`${this.path}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      try {
        renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      } catch {
        // not there yet
      }
    }
    renameSync(this.path, `${this.path}.1`);
    this.open();
  }
  close() {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

interface Repeat {
  since: number;
  written: number;
  suppressed: number;
  level: LogLevel;
  scope: string;
  msg: string;
}

/** What a logger and its children share: the file, the options, the repeat counters. */
class LogSink {
  private readonly file: LogFile | undefined;
  private readonly repeats = new Map<string, Repeat>();
  private readonly now: () => number;
  private readonly burst: number;
  private readonly windowMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: LogOptions) {
    this.file = opts.dir ? new LogFile(opts.dir, opts.maxBytes ?? 5 * 1024 * 1024, opts.keep ?? 3) : undefined;
    this.now = opts.now ?? Date.now;
    this.burst = opts.burst ?? 10;
    this.windowMs = opts.windowMs ?? 60_000;
  }

  log(level: LogLevel, scope: string, msg: string, fields?: Record<string, unknown>) {
    if (ORDER[level] < ORDER[this.opts.level ?? 'info']) return;
    const now = this.now();
    const key = `${level}\u0000${scope}\u0000${msg}`;
    let r = this.repeats.get(key);
    if (r && now - r.since >= this.windowMs) {
      this.summarise(r);
      r = undefined;
    }
    if (!r) this.repeats.set(key, (r = { since: now, written: 0, suppressed: 0, level, scope, msg }));
    if (r.written >= this.burst) {
      r.suppressed++;
      this.timer ??= setTimeout(() => this.flush(), this.windowMs).unref();
      return;
    }
    r.written++;
    this.emit(now, level, scope, msg, fields);
  }

  /** Writes "repeated N more times" for every message counted so far. */
  flush() {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const r of this.repeats.values()) this.summarise(r);
    this.repeats.clear();
  }

  close() {
    this.flush();
    this.file?.close();
  }

  private summarise(r: Repeat) {
    if (r.suppressed > 0) {
      this.emit(this.now(), r.level, r.scope, `${r.msg} (repeated)`, { repeated: r.suppressed, sinceMs: this.now() - r.since });
    }
    this.repeats.delete(`${r.level}\u0000${r.scope}\u0000${r.msg}`);
  }

  private emit(now: number, level: LogLevel, scope: string, msg: string, fields?: Record<string, unknown>) {
    const secrets = this.opts.secrets;
    const record = { t: new Date(now).toISOString(), level, scope, msg: secrets.scrub(msg), ...(safeValue(fields ?? {}, secrets) as object) };
    // Values were scrubbed before serialising; the escaped-form pass is a second net.
    const line = secrets.scrubSerialised(JSON.stringify(record)) + '\n';
    this.file?.write(line);
    if (this.opts.stderr) process.stderr.write(line);
  }
}

/** JSON-lines logger: one file per data folder, secrets scrubbed, rotated, repeats counted. */
export function createLogger(opts: LogOptions, scope = 'app'): Logger {
  return loggerOn(new LogSink(opts), scope);
}

function loggerOn(sink: LogSink, scope: string): Logger {
  return {
    debug: (m, f) => sink.log('debug', scope, m, f),
    info: (m, f) => sink.log('info', scope, m, f),
    warn: (m, f) => sink.log('warn', scope, m, f),
    error: (m, f) => sink.log('error', scope, m, f),
    child: (s) => loggerOn(sink, `${scope}.${s}`),
    close: () => sink.close(),
  };
}
