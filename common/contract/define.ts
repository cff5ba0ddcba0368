import { z } from 'zod';

/** One request/response verb: the renderer sends `input`, main answers `output`. */
export interface CallSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  readonly doc: string;
}

/** One stream main pushes to the renderer (discovery results, sync progress…). */
export interface EventSpec<P extends z.ZodType = z.ZodType> {
  readonly payload: P;
  readonly doc: string;
}

/** Declares a call. Use `z.void()` as input for verbs that take nothing. */
export function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string): CallSpec<I, O> {
  return { input, output, doc };
}

/** Declares an event stream. */
export function event<P extends z.ZodType>(payload: P, doc: string): EventSpec<P> {
  return { payload, doc };
}

/**
 * What crosses the boundary for every call, in both hosts. Handlers never throw
 * across IPC: Electron would flatten the error and the WebSocket has no such notion.
 */
export const ErrorCode = z.enum([
  'bad-request',
  'unknown-call',
  'refused',
  'not-found',
  'conflict',
  'unavailable',
  'internal',
  /** devices.sweep: the range lies outside the chosen adapters' networks; ask, then resend with confirmWide. */
  'confirm-wide-range',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/**
 * What the renderer needs to say an error in its own words (which field, what
 * was expected, which range…). Plain values only: never a secret.
 */
export const ErrorParams = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
export type ErrorParams = z.infer<typeof ErrorParams>;

export const CallError = z.object({ code: ErrorCode, message: z.string(), params: ErrorParams.optional() });
export type CallError = z.infer<typeof CallError>;

export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: CallError };

/** Thrown by handlers to send a specific, user-readable error code. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Values for the renderer's sentence (see renderer/src/errors.ts); the message stays for logs and the CLI. */
    readonly params?: ErrorParams,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
