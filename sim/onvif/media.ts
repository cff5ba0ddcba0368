import type { SimIdentity } from '../identities';
import { escapeXml, SoapFault, text, type XmlNode } from './soap';
import { colourOf, solidJpeg } from './jpeg';

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

/** The camera's picture: one colour of its own (from its serial), so tiles tell cameras apart. */
export function snapshotOf(identity: SimIdentity): Buffer {
  return solidJpeg(colourOf(identity.serialNumber), 64, 48);
}
