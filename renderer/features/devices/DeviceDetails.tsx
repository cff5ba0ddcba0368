import type { Diagnostic } from '../../../common/contract/devices';
import type { InventoryDevice } from '../../../common/domain/device';
import { useEffect, useRef } from 'react';
import { formatSkew } from './model';
import { foundBy, NOT_INITIALISED_ADVICE } from './labels';

const INIT_LABEL = { initialised: 'Initialised', 'not-initialised': 'Not initialised', unknown: 'Unknown' } as const;

/** Everything known about one device, its protocols, and the diagnostics that concern it. */
export function DeviceDetails({ d, diagnostics, onClose }: { d: InventoryDevice; diagnostics: Diagnostic[]; onClose(): void }) {
  const mine = diagnostics.filter((x) => d.addresses.some((a) => x.source === a || x.source.startsWith(`${a}:`) || x.source.includes(`//${a}`)));
  const rows: [string, React.ReactNode][] = [
    ['Type', d.kind === 'nvr' ? 'NVR' : d.kind === 'camera' ? 'Camera' : 'Other'],
    ['Name', d.name],
    ['Manufacturer', d.manufacturer],
    ['Model', d.model],
    ['Serial', d.serial],
    ['MAC', d.mac],
    ['Firmware', d.firmware ?? 'not read yet (needs a proven sign-in)'],
    ['Addresses', d.addresses.join(', ')],
    ['ONVIF device service', d.xaddrs.join('\n')],
    ['Web page', d.presentationUrl],
    ['Found by', foundBy(d.protocols, true)],
    ['First seen', new Date(d.firstSeen).toLocaleString()],
    ['Last seen', new Date(d.lastSeen).toLocaleString()],
    ['Clock', formatSkew(d.clockSkewMs)],
    ['Endpoint', d.endpointUuid],
  ];
  if (d.dhip) {
    rows.push(
      ['Dahua device class', d.dhip.deviceClass],
      ['Initialised', INIT_LABEL[d.dhip.init]],
      ['Password reset offered', d.dhip.resetSupported === undefined ? undefined : d.dhip.resetSupported ? 'yes' : 'no'],
      ['Private protocol port', d.dhip.privatePort],
      ['HTTP port', d.dhip.httpPort],
      ['Channels (remote / local)', d.dhip.remoteChannels !== undefined || d.dhip.videoInputs !== undefined ? `${d.dhip.remoteChannels ?? '—'} / ${d.dhip.videoInputs ?? '—'}` : undefined],
    );
  }
  const heading = useRef<HTMLHeadingElement>(null);
  // Opened below the table: bring it into view and put focus on it, so keyboard users are there too.
  useEffect(() => {
    heading.current?.scrollIntoView({ block: 'nearest' });
    heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <section className="dev-details" aria-labelledby="device-details-title" data-testid="device-details">
      <div className="dev-details-head">
        <h2 id="device-details-title" ref={heading} tabIndex={-1}>
          Device details: {d.model ?? d.name ?? d.id}
        </h2>
        <button type="button" onClick={onClose} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
          Close
        </button>
      </div>
      {d.dhip?.init === 'not-initialised' && (
        <p className="uninit-note" role="note">
          {NOT_INITIALISED_ADVICE}
        </p>
      )}
      {d.flags.length > 0 && (
        <ul>
          {d.flags.map((f) => (
            <li key={f} className="bad">
              {f}
            </li>
          ))}
        </ul>
      )}
      <dl>
        {rows
          .filter(([, v]) => v !== undefined && v !== '')
          .map(([k, v]) => (
            <div key={k} style={{ display: 'contents' }}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
      <h3 className="hint">Diagnostics for this device ({mine.length})</h3>
      {mine.length === 0 ? (
        <p className="hint">Nothing dropped or flagged from its addresses.</p>
      ) : (
        <ul>
          {mine.slice(-20).map((x, i) => (
            <li key={`${x.at}-${i}`}>
              {new Date(x.at).toLocaleTimeString()} {x.action} {x.protocol} — {x.reason}: {x.detail}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
