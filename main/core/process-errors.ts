import type { Logger } from './log';

/** The part of `process` watched here (a fake in tests). */
export interface ProcessEvents {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  on(event: 'uncaughtExceptionMonitor', listener: (error: Error, origin: string) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

/** An error as log fields: message and stack, never the object itself (the logger scrubs both). */
function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.message, name: err.name, stack: err.stack };
  return { error: String(err) };
}

/**
 * Puts a crash's cause in the app log, in both hosts. A promise nobody awaited
 * is logged and the app keeps serving (the technician may be mid-sync); an
 * uncaught exception is logged through the monitor hook, so the runtime's own
 * behaviour (Node exits, Electron shows its dialog) is unchanged — the log
 * line is written synchronously before that happens.
 */
export function logProcessErrors(log: Logger, proc: ProcessEvents = process): () => void {
  const onRejection = (reason: unknown) => log.error('unhandled promise rejection', errorFields(reason));
  const onException = (error: Error, origin: string) => log.error('uncaught exception', { origin, ...errorFields(error) });
  proc.on('unhandledRejection', onRejection);
  proc.on('uncaughtExceptionMonitor', onException);
  return () => {
    proc.off('unhandledRejection', onRejection);
    proc.off('uncaughtExceptionMonitor', onException);
  };
}
