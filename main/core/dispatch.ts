import { z } from 'zod';
import {
  AppError,
  calls,
  isCallName,
  type CallName,
  type CallOutput,
  type Envelope,
  type ParsedInput,
} from '../../common/contract';
import type { Logger } from './log';

/** Who is calling: the hosts fill this in (used for logs only). */
export interface CallContext {
  host: 'electron' | 'browser' | 'cli' | 'test';
}

export type Handler<K extends CallName> = (
  input: ParsedInput<K>,
  ctx: CallContext,
) => Promise<CallOutput<K>> | CallOutput<K>;

/** Every call of the contract must have exactly one handler: the compiler checks it. */
export type Handlers = { [K in CallName]: Handler<K> };

export type Dispatch = (name: unknown, input: unknown, ctx: CallContext) => Promise<Envelope>;

/**
 * The single entry point for calls from any renderer. Everything it receives is
 * untrusted: the name must be a contract verb and the input must parse against
 * the verb's schema. Nothing a caller sends can throw out of here.
 */
export function createDispatcher(handlers: Handlers, log: Logger): Dispatch {
  return async (name, input, ctx) => {
    if (!isCallName(name)) {
      const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 80)) : typeof name;
      log.warn('refused unknown call', { name: shown, host: ctx.host });
      return { ok: false, error: { code: 'unknown-call', message: `Unknown call ${shown}.` } };
    }
    const parsed = calls[name].input.safeParse(input);
    if (!parsed.success) {
      const message = `Invalid arguments for ${name}: ${z.prettifyError(parsed.error).slice(0, 500)}`;
      log.warn('refused malformed call', { name, host: ctx.host, issues: parsed.error.issues.length });
      // The first issue, as parameters: the renderer names the field and what it expects in a sentence.
      const first = parsed.error.issues[0];
      const params = { call: name, field: first?.path.join('.') ?? '', expected: (first?.message ?? '').slice(0, 200) };
      return { ok: false, error: { code: 'bad-request', message, params } };
    }
    try {
      const handler = handlers[name] as Handler<CallName>;
      const value = await handler(parsed.data as never, ctx);
      return { ok: true, value };
    } catch (err) {
      if (err instanceof AppError) {
        log.info('call failed', { name, code: err.code, message: err.message });
        return { ok: false, error: { code: err.code, message: err.message, ...(err.params ? { params: err.params } : {}) } };
      }
      log.error('call crashed', { name, error: String(err instanceof Error ? (err.stack ?? err.message) : err) });
      return { ok: false, error: { code: 'internal', message: `Internal error in ${name}; see the app log.` } };
    }
  };
}
