import type { z } from 'zod';
import type { CallSpec, EventSpec } from './define';
import { appCalls, appEvents } from './app';
import { deviceCalls, deviceEvents } from './devices';
import { resetCalls, resetEvents } from './reset';
import { syncCalls, syncEvents } from './sync';
import { nvrCalls, nvrEvents } from './nvr';
import { siteCalls, siteEvents } from './site';
import { initCalls, initEvents } from './init';

/**
 * The one IPC contract. Every verb the renderer may call and every stream main
 * may push is declared here once; main's handlers, the preload's `window.nvr`
 * and the renderer's client type are all derived from it. Adding a call means
 * one entry in a feature file and one handler in main.
 */
export const calls = { ...appCalls, ...deviceCalls, ...resetCalls, ...syncCalls, ...nvrCalls, ...siteCalls, ...initCalls } satisfies Record<string, CallSpec>;
export const events = { ...appEvents, ...deviceEvents, ...resetEvents, ...syncEvents, ...nvrEvents, ...siteEvents, ...initEvents } satisfies Record<string, EventSpec>;

export type Calls = typeof calls;
export type Events = typeof events;
export type CallName = keyof Calls & string;
export type EventName = keyof Events & string;

/** What the renderer passes (before parsing). */
export type CallInput<K extends CallName> = z.input<Calls[K]['input']>;
/** What main's handler receives (after parsing and defaults). */
export type ParsedInput<K extends CallName> = z.output<Calls[K]['input']>;
export type CallOutput<K extends CallName> = z.output<Calls[K]['output']>;
export type EventPayload<E extends EventName> = z.output<Events[E]['payload']>;

export const callNames = Object.keys(calls) as CallName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}

export * from './define';
