import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, SecretRegistry } from './log';
import { logProcessErrors, type ProcessEvents } from './process-errors';

describe('logProcessErrors', () => {
  it('logs an unhandled rejection and an uncaught exception (scrubbed), and stops when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvr-crash-'));
    const secrets = new SecretRegistry();
    secrets.add('Ab"c\\d123');
    const log = createLogger({ dir, secrets });
    const proc = new EventEmitter();
    const stop = logProcessErrors(log, proc as unknown as ProcessEvents);

    proc.emit('unhandledRejection', new Error('socket closed while signing in with Ab"c\\d123'));
    proc.emit('unhandledRejection', 'a bare string');
    proc.emit('uncaughtExceptionMonitor', new TypeError('x is undefined'), 'uncaughtException');
    stop();
    proc.emit('unhandledRejection', new Error('after stop'));
    expect(proc.listenerCount('unhandledRejection') + proc.listenerCount('uncaughtExceptionMonitor')).toBe(0);

    const lines = readFileSync(join(dir, 'app.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', msg: 'unhandled promise rejection', error: 'socket closed while signing in with ‹redacted›', name: 'Error' }),
      expect.objectContaining({ level: 'error', msg: 'unhandled promise rejection', error: 'a bare string' }),
      expect.objectContaining({ level: 'error', msg: 'uncaught exception', origin: 'uncaughtException', error: 'x is undefined', name: 'TypeError' }),
    ]);
    expect(String(lines[0]!.stack)).toMatch(/process-errors\.test/);
    expect(readFileSync(join(dir, 'app.log'), 'utf8')).not.toContain('Ab\\"c');
  });
});
