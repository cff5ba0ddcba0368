/**
 * The NVR's stored channels — the account and password it signs in to each
 * camera with — whatever the firmware. Close-the-loop (main/site) talks to the
 * NVR only through this port, so it never needs to know which firmware it met:
 *
 * - newer firmware (LogicDeviceManager): `secGetCameraAll` to read (sealed,
 *   passwords included), `secSetCamera` `{"cameras":[cam]}` to write — only
 *   the cameras being changed, each the whole object as read with the edit
 *   applied; the sealed answer is opened and checked per camera;
 * - older firmware (no LogicDeviceManager): `configManager` `RemoteDevice`,
 *   read-modify-write of the whole table, never written with a field the app
 *   did not read (a masked or omitted password makes the path unusable).
 *
 * The implementation lives beside the Dahua client (a protocol module); the
 * caller wraps each call in its credential-gate action (main/dahua/session.ts).
 * This file is the agreement between the two, kept deliberately small.
 */

export type NvrFirmwareKind = 'logic-device-manager' | 'remote-device-table';

/** One configured channel as the NVR stores it; disabled-but-configured slots are channels too. */
export interface StoredChannel {
  /** 1-based, as the NVR's screens number them. */
  channel: number;
  enabled: boolean;
  address: string;
  port?: number;
  /** The account the NVR signs in to the camera with. */
  username: string;
  /** As the NVR spells it: 'Private', 'Onvif', … */
  protocol: string;
  name: string;
  /**
   * The stored password when the read path returns it (a sealed read, or an
   * unmasked table); undefined when the NVR masks or omits it. Memory only:
   * whoever receives it registers it with `ctx.secrets` at once.
   */
  password?: string;
}

/** What the write path of this NVR was proved to be, before any camera changes. */
export type WritePathProof =
  | {
      ok: true;
      firmware: NvrFirmwareKind;
      /** Passwords go to the NVR inside the RSA+AES seal (a key that passed the strength checks). */
      sealed: boolean;
      /** Plain words for the plan, e.g. that passwords cross plain http on this firmware. */
      note?: string;
    }
  | { ok: false; firmware?: NvrFirmwareKind; reason: string; nextStep: string };

/** A change to one channel; fields left out are written back exactly as read. */
export interface ChannelEdit {
  channel: number;
  enable?: boolean;
  password?: string;
  name?: string;
}

export type ChannelWriteOutcome = { channel: number; status: 'taken' } | { channel: number; status: 'refused'; detail: string };

/** The write was sent and its answer never came (dropped, timed out): whether it landed is unknown — read back. */
export class NvrWriteUnanswered extends Error {
  override readonly name = 'NvrWriteUnanswered';
}

export interface NvrChannelStore {
  /**
   * Sign-in is already done; proves the methods this firmware offers, a key fit
   * to seal with (where passwords are sealed), and a read of the camera list
   * through the same path the write will use. Sends no write.
   */
  proveWritePath(): Promise<WritePathProof>;
  /** Every configured channel (unused slots left out), through the write path's own read. */
  readChannels(): Promise<StoredChannel[]>;
  /**
   * One write carrying only these channels (one camera's, normally), each the
   * whole object as last read with the edit applied. Resolves with the NVR's
   * own per-channel answer (opened and checked where sealed); rejects with
   * NvrWriteUnanswered when the answer is lost, or a DahuaError when the NVR
   * refused the call outright. Callers read back to prove it.
   */
  writeChannels(edits: readonly ChannelEdit[]): Promise<ChannelWriteOutcome[]>;
  /** `LogicDeviceManager.getCameraState`: connection state per 1-based channel, as the NVR spells it. */
  channelStates(): Promise<Map<number, string>>;
}
