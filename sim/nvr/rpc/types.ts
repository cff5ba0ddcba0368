import type { CameraLogin } from '../camera-login';
import type { KeyKind } from '../sec-camera';

/** Dahua's JSON-RPC error codes (DOMAIN.md; the web UI's interfaceLogin.js as ported in ItsNotGoodName/dahua-rpc lib/rpcBase/index.ts). */
export const CODES = {
  challenge: 268632079,
  userNotValid: 268632070,
  passwordNotValid: 268632071,
  wrongPassword: 268632085,
  locked: 268632081,
  blacklisted: 268632073,
  hasBeenUsed: 268632074,
  notInitialised: 268632086,
  invalidSession: 287637505,
  methodNotFound: 268894210,
  invalidRequest: 268894209,
  invalidParam: 268894211,
  /** dahua-rpc's ERROR_CODE_NOT_SET: what the string-form refusals carry as their code. */
  codeNotSet: 268959743,
} as const;

/**
 * Which firmware the simulated NVR runs (DOMAIN.md, "Dahua-family devices"):
 * - 'remote-device-table' (older): the channels live in `configManager` `RemoteDevice`,
 *   read and written plain; no LogicDeviceManager camera list, no `Security.getEncryptInfo`.
 * - 'logic-device-manager' (newer, what the NVR's own web page calls): the camera list through
 *   `LogicDeviceManager.getCameraAll` (plain, no passwords) and `secGetCameraAll`/`secSetCamera`
 *   (sealed). No plain path carries a password: `RemoteDevice` reads are masked and a
 *   `setConfig` that would change any stored password is refused whole.
 * `LogicDeviceManager.getCameraState` answers on both.
 */
export type Firmware = 'remote-device-table' | 'logic-device-manager';

export interface SimChannel {
  /**
   * The slot's (DeviceInfo's) Enable. The camera object's own Enable is `camera.Enable`; the
   * channel records only while both are true (StoredChannel.enable).
   */
  enable: boolean;
  /** What the NVR stores and reports. */
  address: string;
  port: number;
  username: string;
  /** The stored password the NVR signs in with (never reported unmasked when maskPasswords is on). */
  password: string;
  protocol: 'Private' | 'Onvif' | string;
  deviceType: string;
  name: string;
  title: string;
  /** Where the NVR really reaches the camera (its PoE switch may route a private address). */
  reachXaddr?: string;
  state: 'Connected' | 'Disconnected' | 'Unknown';
  /** Last sign-in result of the NVR to this camera. */
  lastLogin?: CameraLogin;
  /** Sign-ins to this channel's camera the camera refused (a stale stored password): what locks cameras. */
  refusedLogins?: number;
  /** The rest of the slot / DeviceInfo (HttpPort, RtspPort, SerialNo, VideoInputs…); defaults filled at start. */
  deviceInfo?: Record<string, unknown>;
  /** The rest of the camera object around DeviceInfo (Channel, Type, VideoStream…); defaults filled at start. */
  camera?: Record<string, unknown>;
}

/** How a refused sign-in is answered (the web UI's interfaceLogin.js, DOMAIN.md "Login variants"). */
export type RefusalKind = 'user-or-password' | 'user' | 'password' | 'blacklisted' | 'has-been-used' | 'locked';

export interface LoginFaults {
  /**
   * The first step's challenge: 'code' error 268632079 (HTTP 200); 'code-401' error code 401
   * (HTTP 200; dahua-rpc lib/rpcLogin.ts and ipcmanview accept it); 'http-401' the same JSON
   * with HTTP status 401.
   */
  challenge: 'code' | 'code-401' | 'http-401';
  /** The `encryption` the challenge names, and so the hash the second step must carry. */
  encryption: 'Default' | 'Basic' | 'OldDigest' | 'WatchNet';
  /** The session id's JSON type; it must come back with the same type. */
  session: 'string' | 'number';
  /** 'combined': 268632085 with remainLoginTimes/remainLockSecond; 'split': 268632070 / 268632071. */
  refusals: 'combined' | 'split';
  /** 'code': error.code; 'string': error.message and params.error carry the string (UserNotValidt…), code 268959743. */
  refusalForm: 'code' | 'string';
  /** Every second step (right password or not) is refused so, and counted: firmware that says this. */
  refuseAs?: RefusalKind;
}

export interface NvrRpcFaults {
  firmware: Firmware;
  /** @deprecated the first personality switch: 'plain' = 'remote-device-table', 'encrypted-only' = 'logic-device-manager'. */
  remoteDeviceWrite?: 'plain' | 'encrypted-only';
  login: LoginFaults;
  slotStyle: 'uuid' | 'indexed';
  /** The older table answers stored passwords as "******" (some firmwares). */
  maskPasswords: boolean;
  /** Every answer is an HTML page instead of JSON. */
  notJson: boolean;
  /** Every request is redirected to https on the same host (self-signed on real devices). */
  httpsRedirect: boolean;
  /** A session ends after this many /RPC2 calls (0 = never): "session expired mid-read". */
  expireSessionAfterCalls: number;
  /** When > 0: only this many sessions expire that way, then the fault clears itself. */
  expireSessionTimes: number;
  notInitialised: boolean;
  /** Refused at the first step (268632073), before any password: not a failed sign-in. */
  blacklisted: boolean;
  /** Extra unused slots appended to the RemoteDevice table and the camera list. */
  extraUnusedSlots: number;
  /** Every configManager.setConfig of RemoteDevice is refused. */
  refuseSetConfig: boolean;
  /** No /RPC2_Login or /RPC2 (HTTP 404): only the older CGI API answers. */
  rpcMissing: boolean;
  /** Methods this firmware does not have (answered 268894210). */
  missingMethods: string[];
  /** A write (setConfig or secSetCamera) that changes any stored password is refused whole. */
  refuseStore: boolean;
  /** A write that sets any channel's Enable to false is refused whole. */
  refusePause: boolean;
  /** Methods the NVR carries out and then drops the connection without answering (its web service restarts). */
  dropAnswer: string[];
  /** Methods the NVR carries out and never answers (the client times out). */
  stallAnswer: string[];
  /** The RSA key getEncryptInfo hands out (sec-camera.ts); anything but 'rsa-2048' is weak. */
  key: KeyKind;
  /** Methods answering in a shape no client expects: secGetCameraAll, secSetCamera. */
  wrongShape: string[];
  /** UniqueChannel → failedCode: secSetCamera refuses that camera inside its sealed answer and keeps it as it was. */
  cameraRefusals: Record<number, number>;
  lockout: { afterFailures: number; lockMs: number };
}

/** What `nvrRpc` (site option) and setFaults take: any subset, nested objects merged. */
export type NvrRpcFaultOptions = Partial<Omit<NvrRpcFaults, 'login' | 'lockout'>> & {
  login?: Partial<LoginFaults>;
  lockout?: Partial<NvrRpcFaults['lockout']>;
};

export const DEFAULT_RPC_FAULTS: NvrRpcFaults = {
  firmware: 'remote-device-table',
  login: { challenge: 'code', encryption: 'Default', session: 'string', refusals: 'combined', refusalForm: 'code' },
  slotStyle: 'uuid',
  maskPasswords: false,
  notJson: false,
  httpsRedirect: false,
  expireSessionAfterCalls: 0,
  expireSessionTimes: 0,
  notInitialised: false,
  blacklisted: false,
  extraUnusedSlots: 0,
  refuseSetConfig: false,
  rpcMissing: false,
  missingMethods: [],
  refuseStore: false,
  refusePause: false,
  dropAnswer: [],
  stallAnswer: [],
  key: 'rsa-2048',
  wrongShape: [],
  cameraRefusals: {},
  lockout: { afterFailures: 5, lockMs: 30 * 60_000 },
};

export interface NvrRpcStats {
  /** Refused global.login second steps (any refusal kind), all time. */
  loginFailures: number;
  consecutiveFailures: number;
  logins: number;
  /** Sign-in attempts refused because of the lock (not counted as failures). */
  lockedRefusals: number;
  keepAlives: number;
  logouts: number;
  /** NVR-clock ms; 0 when not locked. */
  lockedUntil: number;
  calls: Record<string, number>;
  /** Accepted RemoteDevice writes, and slots written back with the mask as their password. */
  setConfigs: number;
  maskWrites: number;
  /** Stored passwords a write left empty or masked (that channel can no longer sign in). */
  destroyedPasswords: number;
  /** Accepted secSetCamera calls, and ones refused whole (garbage envelopes, unknown shapes). */
  secSetCameras: number;
  secSetCameraRefusals: number;
  /** Cameras refused inside an accepted secSetCamera's sealed answer (failedCode ≠ 0). */
  cameraRefusals: number;
  secGetCameraAlls: number;
  /** RemoteDevice setConfigs refused because they changed a password on 'logic-device-manager' firmware. */
  plainPasswordRefusals: number;
  /** Writes refused by the refuseStore / refusePause faults. */
  storeRefusals: number;
  pauseRefusals: number;
  /** Sealed requests that arrived while the key handed out was weak (whether or not they opened). */
  sealedWithWeakKey: number;
  /** CGI requests (any), and ones that carried a password in the URL (must stay 0). */
  cgiRequests: number;
  passwordInUrl: number;
}

/** One request as the NVR received it: what a test judges the client by. */
export interface NvrRequest {
  /** '/RPC2_Login', '/RPC2' or the CGI path. */
  path: string;
  /** The JSON-RPC method ('' when the body was not JSON-RPC), or the CGI action. */
  method: string;
  /** Params had the envelope's fields (salt, cipher, content). */
  sealed: boolean;
  /** The key handed out at the time was weak (sealed requests only). */
  weakKey?: boolean;
  /** The UniqueChannels a secSetCamera carried, once opened. */
  uniqueChannels?: number[];
  /** The body as received (the URL for CGI): sealed requests carry only ciphertext. */
  raw: string;
}

/** What a test reads back from the NVR itself, never over the wire. */
export interface StoredChannel {
  /** The NVR uses the channel (the slot's and the camera's Enable both true). */
  enable: boolean;
  address: string;
  port: number;
  username: string;
  password: string;
  state: SimChannel['state'];
  refusedLogins: number;
}
