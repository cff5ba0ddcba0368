import { AppError, type Envelope } from './define';
import { callNames, type CallInput, type CallName, type CallOutput, type EventName, type EventPayload } from './index';

type Namespace<K> = K extends `${infer NS}.${string}` ? NS : never;
type Verb<K, NS extends string> = K extends `${NS}.${infer V}` ? V : never;
type Args<K extends CallName> = [CallInput<K>] extends [void | undefined] ? [] : [input: CallInput<K>];

/** The renderer's view of main: `nvr.devices.list()`, `nvr.on('devices.changed', …)`. */
export type NvrApi = {
  [NS in Namespace<CallName>]: {
    [V in Verb<CallName, NS>]: `${NS}.${V}` extends infer K extends CallName
      ? (...args: Args<K>) => Promise<CallOutput<K>>
      : never;
  };
} & {
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/** How a host moves one call and its answer. */
export type Invoke = (name: CallName, input: unknown) => Promise<Envelope>;
export type Subscribe = (name: EventName, listener: (payload: unknown) => void) => () => void;

/**
 * Builds the API object from the contract's names, so the preload and the
 * browser transport expose exactly the contract's verbs and nothing else.
 */
export function createApi(invoke: Invoke, subscribe: Subscribe): NvrApi {
  const api: Record<string, Record<string, (input?: unknown) => Promise<unknown>>> = {};
  for (const name of callNames) {
    const [ns, verb] = splitName(name);
    api[ns] ??= {};
    api[ns][verb] = async (input?: unknown) => unwrap(await invoke(name, input));
  }
  return { ...api, on: (name: EventName, listener: (payload: never) => void) => subscribe(name, listener as (p: unknown) => void) } as unknown as NvrApi;
}

function splitName(name: string): [string, string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}

function unwrap(envelope: Envelope): unknown {
  if (envelope.ok) return envelope.value;
  throw new AppError(envelope.error.code, envelope.error.message, envelope.error.params);
}
