import type { SimIdentity } from '../identities';
import { MEDIA_NS, MEDIA_PATH } from './media';
import { asNode, escapeXml, NS, SoapFault, text, type ParsedRequest, type XmlNode } from './soap';
import type { DeviceFaults, DeviceStats } from './types';
import type { UserInput, UserStore } from './users';

/**
 * The device service's SOAP actions (ONVIF Core), one handler each: what the
 * action answers once the request is signed in (device.ts decides that). A
 * handler returns the response body or throws a SoapFault; faults are data
 * (`DeviceFaults`), read when the request arrives.
 */

/** The device as an action sees it when a request arrives. */
export interface DeviceContext {
  identity: SimIdentity;
  /** `http://addr:port` as the device serves it; its device service is `xaddr`. */
  origin: string;
  xaddr: string;
  faults: DeviceFaults;
  stats: DeviceStats;
  store: UserStore;
  /** Device clock (base clock + clockSkewMs). */
  now(): number;
}

type Action = (d: DeviceContext, op: XmlNode, raw: string) => string;

/** Actions answered without a sign-in (ONVIF Core: PRE_AUTH). */
export const PRE_AUTH = new Set(['GetSystemDateAndTime', 'GetServices', 'GetCapabilities']);

/** Actions only an Administrator may call (ONVIF Core access classes: READ_SYSTEM_SECRET, WRITE_SYSTEM). */
export const ADMIN_ONLY = new Set(['GetUsers', 'SetUser', 'CreateUsers']);

const ACTIONS: Record<string, Action> = {
  GetSystemDateAndTime: (d) => {
    const t = new Date(d.now());
    return (
      `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>` +
      `<tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime>` +
      `<tt:Time><tt:Hour>${t.getUTCHours()}</tt:Hour><tt:Minute>${t.getUTCMinutes()}</tt:Minute><tt:Second>${t.getUTCSeconds()}</tt:Second></tt:Time>` +
      `<tt:Date><tt:Year>${t.getUTCFullYear()}</tt:Year><tt:Month>${t.getUTCMonth() + 1}</tt:Month><tt:Day>${t.getUTCDate()}</tt:Day></tt:Date>` +
      `</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`
    );
  },
  GetDeviceInformation: ({ identity: id }) =>
    `<tds:GetDeviceInformationResponse><tds:Manufacturer>${escapeXml(id.manufacturer)}</tds:Manufacturer>` +
    `<tds:Model>${escapeXml(id.model)}</tds:Model><tds:FirmwareVersion>${escapeXml(id.firmwareVersion)}</tds:FirmwareVersion>` +
    `<tds:SerialNumber>${escapeXml(id.serialNumber)}</tds:SerialNumber><tds:HardwareId>${escapeXml(id.hardwareId)}</tds:HardwareId>` +
    `</tds:GetDeviceInformationResponse>`,
  // Several entries: the onvif package cannot cope with a single-service list.
  GetServices: ({ origin, xaddr }) =>
    `<tds:GetServicesResponse>` +
    `<tds:Service><tds:Namespace>${NS.tds}</tds:Namespace><tds:XAddr>${xaddr}</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>` +
    `<tds:Service><tds:Namespace>${MEDIA_NS}</tds:Namespace><tds:XAddr>${origin}${MEDIA_PATH}</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>` +
    `<tds:Service><tds:Namespace>http://www.onvif.org/ver10/events/wsdl</tds:Namespace><tds:XAddr>${xaddr.replace('device_service', 'event_service')}</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>` +
    `</tds:GetServicesResponse>`,
  GetCapabilities: ({ origin, xaddr }) =>
    `<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device><tt:XAddr>${xaddr}</tt:XAddr></tt:Device>` +
    `<tt:Media><tt:XAddr>${origin}${MEDIA_PATH}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
    `<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
    `</tds:Capabilities></tds:GetCapabilitiesResponse>`,
  GetUsers: ({ store }) =>
    `<tds:GetUsersResponse>` +
    store.list().map((u) => `<tds:User><tt:Username>${escapeXml(u.username)}</tt:Username><tt:UserLevel>${u.userLevel}</tt:UserLevel></tds:User>`).join('') +
    `</tds:GetUsersResponse>`,
  SetUser: (d, op, raw) => {
    const { faults, stats } = d;
    const wire = faults.storeEscaped ? wirePasswords(raw) : [];
    const users = readUsers(op).map((u, i) => (faults.storeEscaped ? { ...u, password: wire[i] ?? u.password } : u));
    for (const u of users) stats.setUserCount[u.username] = (stats.setUserCount[u.username] ?? 0) + 1;
    d.store.setUsers(users, {
      maxPasswordLength: faults.maxPasswordLength,
      fixedAdmin: faults.fixedAdmin,
      noop: faults.setUserNoop,
      delayMs: faults.setUserDelayMs,
      lenient: faults.passwordRule === 'lenient',
    });
    return `<tds:SetUserResponse/>`;
  },
  CreateUsers: ({ store, faults }, op) => {
    store.createUsers(readUsers(op), { maxPasswordLength: faults.maxPasswordLength, lenient: faults.passwordRule === 'lenient' });
    return `<tds:CreateUsersResponse/>`;
  },
};

/** The response body of one device-service action, or a SoapFault. */
export function deviceOperation(d: DeviceContext, { operation, op }: ParsedRequest, raw: string): string {
  const action = Object.hasOwn(ACTIONS, operation) ? ACTIONS[operation] : undefined;
  if (!action) throw new SoapFault(400, 'Receiver', ['ActionNotSupported'], `${operation} is not supported`);
  return action(d, op, raw);
}

function readUsers(op: Record<string, unknown>): UserInput[] {
  const list = Array.isArray(op['User']) ? (op['User'] as unknown[]) : [];
  return list.map((u) => {
    const n = asNode(u) ?? {};
    return { username: text(n['Username']) ?? '', password: text(n['Password']) ?? '', userLevel: text(n['UserLevel']) ?? '' };
  });
}

/** What a careless firmware stores: each Password element's text exactly as it was on the wire (`&` arrives as `&amp;`). */
function wirePasswords(raw: string): string[] {
  // The users' Password elements are in the Body; a WS-UsernameToken in the Header has one of its own.
  const body = raw.slice(Math.max(0, raw.search(/<(?:[\w.-]+:)?Body[\s>]/)));
  return [...body.matchAll(/<(?:[\w.-]+:)?Password(?:\s[^>]*)?>([^<]*)<\/(?:[\w.-]+:)?Password>/g)].map((m) => m[1]!);
}
