import type { Nvr } from './nvr';
import type { NvrRequest } from './types';

/** A handler's refusal: a JSON-RPC error. */
export interface RpcRefusal {
  code: number;
  message: string;
  params?: unknown;
}

export type RpcAnswer = { params?: unknown; result?: unknown } | RpcRefusal;

export interface Session {
  /** A string or a number, as the firmware hands it out; it must come back with the same type. */
  id: string | number;
  user: string;
  random: string;
  active: boolean;
  calls: number;
  lastSeen: number;
}

/** One /RPC2 call as a method handler sees it. */
export interface RpcCall {
  nvr: Nvr;
  params: unknown;
  /** This request's entry in the NVR's log (secSetCamera adds the UniqueChannels it carried). */
  entry: NvrRequest;
  session: Session;
  endSession(): void;
  /** Resolves once the channel states are at most a few seconds old (a sign-in round if needed). */
  freshStates(): Promise<void>;
}

/** One handler per RPC method; the personality decides which exist. */
export type Handler = (call: RpcCall) => RpcAnswer | Promise<RpcAnswer>;

export const refusal = (code: number, message: string, params?: unknown): RpcRefusal => ({ code, message, ...(params !== undefined ? { params } : {}) });
export const isRefusal = (a: unknown): a is RpcRefusal => typeof a === 'object' && a !== null && 'code' in a && 'message' in a;

/** The JSON-RPC error body Dahua answers with. */
export function errorBody(id: unknown, session: unknown, code: number, message: string, params?: unknown): Record<string, unknown> {
  return { error: { code, message }, id, ...(params !== undefined ? { params } : {}), result: false, session };
}

export { obj } from '../../../common/json';
