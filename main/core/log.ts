import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Secrets (passwords, security codes) are registered here the moment they enter
 * main, and every log line is scrubbed of them before it is written. Field
 * names that look secret are masked too, so a careless `log.info({ password })`
 * cannot leak.
 */
export class SecretRegistry {
  private readonly secrets = new Set<string>();
  add(secret: string | undefined): void {
    // One- and two-character "secrets" would shred every log line; they are
    // rejected by validation long before this anyway.
    if (secret && secret.length >= 3) this.secrets.add(secret);
  }
  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('‹redacted›');
    return out;
  }
}

const SECRET_KEY = /pass(word)?|secret|token|securityCode|^code$|credential/i;

export function redactFields(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactFields(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '‹redacted›' : redactFields(v, depth + 1);
  return out;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

export interface LogOptions {
  /** Folder for app.log; omitted: stderr only. */
  dir?: string;
  secrets: SecretRegistry;
  /** Echo to stderr (the CLI keeps stdout for JSON). */
  stderr?: boolean;
  level?: LogLevel;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** JSON-lines logger: one file per data folder, secrets scrubbed. */
export function createLogger(opts: LogOptions, scope = 'app'): Logger {
  const file = opts.dir ? join(opts.dir, 'app.log') : undefined;
  if (opts.dir) mkdirSync(opts.dir, { recursive: true });
  const min = ORDER[opts.level ?? 'info'];
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const line = opts.secrets.scrub(
      JSON.stringify({ t: new Date().toISOString(), level, scope, msg, ...(redactFields(fields ?? {}) as object) }),
    );
    // Synchronous on purpose: the last lines before a crash are the ones that matter.
    if (file) appendFileSync(file, line + '\n');
    if (opts.stderr) process.stderr.write(line + '\n');
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (s) => createLogger(opts, `${scope}.${s}`),
  };
}
