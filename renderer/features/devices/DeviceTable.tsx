import { useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { InventoryDevice } from '../../../common/domain/device';
import { formatSkew, type SortKey, type SortSpec } from './model';
import { NvrSignInLink } from '../nvr/SignInLink';

const COLUMNS: { key: SortKey | 'protocols' | 'skew'; label: string; sortable: boolean }[] = [
  { key: 'online', label: 'Status', sortable: true },
  { key: 'kind', label: 'Type', sortable: true },
  { key: 'model', label: 'Model', sortable: true },
  { key: 'serial', label: 'Serial', sortable: true },
  { key: 'mac', label: 'MAC', sortable: true },
  { key: 'address', label: 'Addresses', sortable: true },
  { key: 'protocols', label: 'Seen by', sortable: false },
  { key: 'lastSeen', label: 'Last seen', sortable: true },
  { key: 'skew', label: 'Clock', sortable: false },
];

const ROW_HEIGHT = 46;
const KIND_LABEL = { nvr: 'NVR', camera: 'Camera', other: 'Other' } as const;

interface Props {
  devices: InventoryDevice[];
  sort: SortSpec;
  onSort(key: SortKey): void;
  total: number;
  selected?: string;
  onOpen(id: string): void;
}

/**
 * A grid of divs with table roles: virtualised rows must be absolutely
 * positioned, which real <tr>s cannot be, and the roles keep it readable by
 * screen readers and by Playwright's getByRole.
 */
export function DeviceTable({ devices, sort, onSort, total, selected, onOpen }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: devices.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => devices[i]?.id ?? i,
  });

  return (
    <div role="table" aria-label="Devices" aria-rowcount={devices.length + 1} className="dev-table">
      <div role="rowgroup" className="dev-head">
        <div role="row" className="dev-row">
          {COLUMNS.map((c) => (
            <div
              key={c.key}
              role="columnheader"
              className={`dev-cell col-${c.key}`}
              aria-sort={sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
            >
              {c.sortable ? (
                <button type="button" className="sort" onClick={() => onSort(c.key as SortKey)}>
                  {c.label}
                  {sort.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                </button>
              ) : (
                c.label
              )}
            </div>
          ))}
        </div>
      </div>
      <div ref={scrollRef} className="dev-scroll" data-testid="device-scroll">
        {devices.length === 0 && <p className="dev-empty">{total === 0 ? 'No devices yet — discovery is listening.' : 'No device matches the filter.'}</p>}
        <div role="rowgroup" className="dev-body" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const d = devices[item.index];
            if (!d) return null;
            return (
              <div
                key={item.key}
                role="row"
                aria-rowindex={item.index + 2}
                data-testid="device-row"
                data-serial={d.serial ?? ''}
                data-online={d.online ? 'true' : 'false'}
                data-kind={d.kind}
                data-address={d.addresses[0] ?? ''}
                className={`dev-row${d.online ? '' : ' offline'}${d.flags.length ? ' flagged' : ''}${d.id === selected ? ' selected' : ''}`}
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                tabIndex={0}
                aria-current={d.id === selected ? "true" : undefined}
                onClick={() => onOpen(d.id)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onOpen(d.id);
                  }
                }}
              >
                <div role="cell" className="dev-cell col-online">
                  <span className={`pill ${d.online ? 'on' : 'off'}`}>{d.online ? 'Online' : 'Offline'}</span>
                  {d.dhip?.init === 'not-initialised' && (
                    <span className="pill uninit" data-testid="not-initialised" title="DHIP says this device has no admin password yet: initialise it with the vendor tool before anything else.">
                      Not initialised
                    </span>
                  )}
                  {d.flags.length > 0 && (
                    <span className="flag" role="img" aria-label={`Flagged: ${d.flags.join('; ')}`} title={d.flags.join('\n')}>
                      ⚠
                    </span>
                  )}
                </div>
                <div role="cell" className="dev-cell col-kind">{KIND_LABEL[d.kind]}{d.kind === 'nvr' && <NvrSignInLink device={d} compact />}</div>
                <div role="cell" className="dev-cell col-model two-line" title={[d.manufacturer, d.model, d.firmware && `firmware ${d.firmware}`].filter(Boolean).join('\n')}>
                  <span data-testid="device-model">{d.model ?? ''}</span>
                  <small>
                    {[d.manufacturer, d.firmware].filter(Boolean).join(' · ')}
                  </small>
                </div>
                <div role="cell" className="dev-cell col-serial mono" data-testid="device-serial" title={d.serial}>{d.serial ?? ''}</div>
                <div role="cell" className="dev-cell col-mac mono" data-testid="device-mac" title={d.mac}>{d.mac ?? ''}</div>
                <div role="cell" className="dev-cell col-address mono" title={[...d.addresses, ...d.xaddrs].join('\n')}>
                  {d.addresses.join(', ')}
                </div>
                <div role="cell" className="dev-cell col-protocols" title={d.protocols.join(', ')}>{d.protocols.join(', ')}</div>
                <div role="cell" className="dev-cell col-lastSeen">{new Date(d.lastSeen).toLocaleTimeString()}</div>
                <div role="cell" className="dev-cell col-skew">{formatSkew(d.clockSkewMs)}</div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
