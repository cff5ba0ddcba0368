import type { Diagnostic } from '../../../common/contract/devices';
import type { InitRow } from '../../../common/contract/init';
import type { InventoryDevice } from '../../../common/domain/device';
import { INIT_OUTCOMES } from '../../../common/init/outcomes';
import { useEffect, useRef } from 'react';
import { go } from '../../src/nav';
import { capabilityBadge, type CapabilityEntry } from '../init/model';
import { formatSkew } from './model';
import { AFTER_INIT_ADVICE, foundBy, NOT_INITIALISED_ADVICE } from './labels';

const INIT_LABEL = { initialised: 'Initialised', 'not-initialised': 'Not initialised', unknown: 'Unknown' } as const;

interface DetailsProps {
  d: InventoryDevice;
  diagnostics: Diagnostic[];
  onClose(): void;
  /** What init.capability said of it (Dahua-family rows). */
  capability?: CapabilityEntry;
  /** Its row in this session's latest init run, once it ended. */
  initRow?: InitRow;
  /** The reset case whose password the site uses now (the "close the loop" hand-over). */
  caseId?: string;
}

/** Everything known about one device, its protocols, and the diagnostics that concern it. */
export function DeviceDetails({ d, diagnostics, onClose, capability, initRow, caseId }: DetailsProps) {
  const { panel, heading } = useFocusOnOpen();
  return (
    <section ref={panel} className="dev-details" aria-labelledby="device-details-title" data-testid="device-details">
      <div className="dev-details-head">
        <h2 id="device-details-title" ref={heading} tabIndex={-1}>
          Device details: {d.model ?? d.name ?? d.id}
        </h2>
        <button type="button" onClick={onClose} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
          Close
        </button>
      </div>
      {initRow ? (
        <AfterInit row={initRow} caseId={caseId} />
      ) : (
        d.dhip?.init === 'not-initialised' && (
          <p className="uninit-note" role="note">
            {NOT_INITIALISED_ADVICE}
          </p>
        )
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
        {facts(d, capability).map(([k, v]) => (
          <div key={k} style={{ display: 'contents' }}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <DeviceDiagnostics d={d} diagnostics={diagnostics} />
    </section>
  );
}

/** Opened below the table: bring it into view and put focus on it, so keyboard users are there too. */
function useFocusOnOpen() {
  const heading = useRef<HTMLHeadingElement>(null);
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    // The whole panel where it fits (its advice sits under the heading), else its top.
    panel.current?.scrollIntoView({ block: 'nearest' });
    heading.current?.focus({ preventScroll: true });
  }, []);
  return { panel, heading };
}

/** The device's facts as label and value, those it has (what every device has first, then what DHIP told). */
function facts(d: InventoryDevice, capability: CapabilityEntry | undefined): [string, React.ReactNode][] {
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
      ['Password reset by e-mail', resetWords(capability)],
      ['Private protocol port', d.dhip.privatePort],
      ['HTTP port', d.dhip.httpPort],
      ['Channels (remote / local)', d.dhip.remoteChannels !== undefined || d.dhip.videoInputs !== undefined ? `${d.dhip.remoteChannels ?? '—'} / ${d.dhip.videoInputs ?? '—'}` : undefined],
    );
  }
  return rows.filter(([, v]) => v !== undefined && v !== '');
}

/** What discovery dropped or flagged from the device's addresses (the last 20). */
function DeviceDiagnostics({ d, diagnostics }: { d: InventoryDevice; diagnostics: Diagnostic[] }) {
  const mine = diagnostics.filter((x) => d.addresses.some((a) => x.source === a || x.source.startsWith(`${a}:`) || x.source.includes(`//${a}`)));
  return (
    <>
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
    </>
  );
}

/** The badge's words in full: possible (to which address), not possible, or not known, and why. */
function resetWords(entry: CapabilityEntry | undefined): string | undefined {
  const badge = capabilityBadge(entry);
  if (!badge) return entry?.cap?.detail;
  const verdict = { possible: `possible, to ${entry?.cap?.emailMasked ?? 'the registered e-mail'}`, 'not-possible': 'not possible', unknown: 'not known' }[badge.kind];
  return `${verdict}. ${badge.detail}`;
}

/** What this session's init run did to the device, and (initialised) what closes the loop next. */
function AfterInit({ row, caseId }: { row: InitRow; caseId?: string }) {
  const info = INIT_OUTCOMES[row.outcome!];
  const at = row.endedAt ? ` at ${new Date(row.endedAt).toLocaleTimeString()}` : '';
  if (row.outcome !== 'initialised') {
    return (
      <p className="uninit-note" role="note" data-testid="after-init">
        Initialising it{at} ended: {info.label}. {row.nextStep ?? info.nextStep}
      </p>
    );
  }
  return (
    <div className="after-init" role="note" data-testid="after-init">
      <p>
        <b>Initialised by this app{at}:</b> it holds the new admin password and the reset e-mail, and a sign-in with the password worked.
      </p>
      <p>{AFTER_INIT_ADVICE}</p>
      <div className="actions">
        {caseId && (
          <button type="button" onClick={() => go('reset', { caseId })}>
            Open the reset case
          </button>
        )}
        <button type="button" onClick={() => go('sync', caseId ? { caseId } : {})}>
          Open Camera sync
        </button>
      </div>
    </div>
  );
}
