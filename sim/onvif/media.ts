import type { SimIdentity } from '../identities';
import { escapeXml, SoapFault, text, type XmlNode } from './soap';
import { blockJpeg, colourOf, drawOsd, type Rgb } from './jpeg';

/**
 * The ONVIF Media service (ver10) of a simulated camera: its profiles, the
 * snapshot URI, and the picture the snapshot endpoint serves. Served by the
 * device's own server, behind the device's own sign-in and lockout (device.ts).
 */

export const MEDIA_NS = 'http://www.onvif.org/ver10/media/wsdl';
export const MEDIA_PATH = '/onvif/media_service';
export const SNAPSHOT_PATH = '/onvif/snapshot';

const PROFILES = [
  { token: 'Profile_1', name: 'MainStream', width: 1920, height: 1080 },
  { token: 'Profile_2', name: 'SubStream', width: 640, height: 360 },
] as const;

/** Operations the media service answers (all need a signed-in user). */
export const MEDIA_OPERATIONS = new Set(['GetProfiles', 'GetSnapshotUri', 'GetVideoSources']);

export interface MediaFaults {
  noSnapshot: boolean;
}

/** One media operation's response body, or a SoapFault. `origin` is `http://addr:port` as the device serves it. */
export function mediaOperation(name: string, op: XmlNode, origin: string, faults: MediaFaults): string {
  switch (name) {
    case 'GetProfiles':
      return `<trt:GetProfilesResponse>${PROFILES.map(profileXml).join('')}</trt:GetProfilesResponse>`;
    case 'GetVideoSources':
      return (
        `<trt:GetVideoSourcesResponse><trt:VideoSources token="VideoSource_1"><tt:Framerate>25</tt:Framerate>` +
        `<tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`
      );
    case 'GetSnapshotUri': {
      // Many cameras have no snapshot at all and say so with the generic fault.
      if (faults.noSnapshot) throw new SoapFault(400, 'Receiver', ['ActionNotSupported'], 'GetSnapshotUri is not supported');
      const token = text(op['ProfileToken']) ?? '';
      if (!PROFILES.some((p) => p.token === token)) throw new SoapFault(400, 'Sender', ['InvalidArgVal', 'NoProfile'], 'No such profile');
      const uri = `${origin}${SNAPSHOT_PATH}?channel=1&profile=${encodeURIComponent(token)}`;
      return (
        `<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>${escapeXml(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
        `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetSnapshotUriResponse>`
      );
    }
    default:
      throw new SoapFault(400, 'Receiver', ['ActionNotSupported'], `${name} is not supported`);
  }
}

function profileXml(p: (typeof PROFILES)[number]): string {
  return (
    `<trt:Profiles token="${p.token}" fixed="true"><tt:Name>${p.name}</tt:Name>` +
    `<tt:VideoSourceConfiguration token="VideoSourceConfig_1"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>2</tt:UseCount>` +
    `<tt:SourceToken>VideoSource_1</tt:SourceToken><tt:Bounds x="0" y="0" width="1920" height="1080"/></tt:VideoSourceConfiguration>` +
    `<tt:VideoEncoderConfiguration token="VideoEncoder_${p.token}"><tt:Name>${p.name}</tt:Name><tt:UseCount>1</tt:UseCount>` +
    `<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution>` +
    `<tt:Quality>4</tt:Quality><tt:RateControl><tt:FrameRateLimit>25</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>` +
    `<tt:BitrateLimit>4096</tt:BitrateLimit></tt:RateControl><tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>` +
    `</trt:Profiles>`
  );
}

/** The picture's size in 8×8 blocks: 960×544 pixels, a 16:9 frame like a sub-stream's. */
export const FRAME_COLS = 120;
export const FRAME_ROWS = 68;

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [0, 1, 2].map((i) => Math.round(a[i]! + (b[i]! - a[i]!) * t)) as Rgb;

/**
 * A drawn scene as a camera sees it — sky, ground, a building in the camera's
 * own colour (from its serial), a door and windows, a tree — laid out by the
 * camera's index so no two cameras of a site look alike.
 */
function scene(identity: SimIdentity): Rgb[][] {
  const seed = Math.max(0, identity.index);
  const horizon = 30 + (seed % 4) * 3;
  const house = { left: 12 + ((seed * 23) % 60), width: 34, top: horizon - 14 - (seed % 3) * 3 };
  const tree = (house.left + house.width + 10 + seed * 7) % FRAME_COLS;
  const wall = colourOf(identity.serialNumber);
  return Array.from({ length: FRAME_ROWS }, (_, r) =>
    Array.from({ length: FRAME_COLS }, (_, c): Rgb => {
      const inHouse = c >= house.left && c < house.left + house.width && r >= house.top && r < horizon + 8;
      if (inHouse) {
        const door = c >= house.left + 14 && c < house.left + 20 && r >= horizon - 4;
        const window = (c - house.left) % 12 >= 3 && (c - house.left) % 12 < 8 && r >= house.top + 4 && r < house.top + 9;
        return door ? [70, 45, 30] : window ? [180, 215, 235] : wall;
      }
      if (r < house.top && r >= house.top - 6 && Math.abs(c - (house.left + house.width / 2)) < (r - house.top + 7) * 3) return [120, 40, 35];
      const dx = c - tree;
      if (Math.abs(dx) <= 1 && r >= horizon - 6 && r < horizon + 6) return [90, 60, 30];
      if (dx * dx + ((r - (horizon - 12)) * 1.6) ** 2 < 60) return [40, 110, 50];
      if (r < horizon) return mix([110, 160, 220], [200, 225, 245], r / horizon);
      return (r + c) % 7 === 0 ? [85, 125, 70] : mix([95, 140, 75], [70, 100, 55], (r - horizon) / (FRAME_ROWS - horizon));
    }),
  );
}

/** "2026-12-03 07:20:05", the camera's own clock as its OSD shows it (UTC here: the simulator has no time zone). */
export function osdClock(at: number): string {
  return new Date(at).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The camera's picture: its scene with the OSD a real camera burns in — the
 * channel title top left, date and time bottom left — so a tile on the board
 * says which camera it is by its picture alone.
 */
export function snapshotOf(identity: SimIdentity, at = Date.now()): Buffer {
  const blocks = scene(identity);
  drawOsd(blocks, identity.osdTitle, 3, 3);
  drawOsd(blocks, osdClock(at), FRAME_ROWS - 11, 3);
  return blockJpeg(blocks);
}
