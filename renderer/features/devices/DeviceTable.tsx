import { useEffect, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import type { InventoryDevice } from '../../../common/domain/device';
import { Status } from '../../src/status';
import { formatSkew, type SortKey, type SortSpec } from './model';
import { nextRow, rowKeyAction } from './grid-keys';
import { foundBy } from './labels';
import { NvrSignInLink } from '../nvr/SignInLink';
import { capabilityBadge, isInitialisable, type Capabilities } from '../init/model';

const COLUMNS: { key: SortKey | 'protocols' | 'skew'; label: string; sortable: boolean }[] = [
  { key: 'online', label: 'Status', sortable: true },
  { key: 'kind', label: 'Type', sortable: true },
  { key: 'model', label: 'Model', sortable: true },
  { key: 'serial', label: 'Serial', sortable: true },
  { key: 'mac', label: 'MAC', sortable: true },
  { key: 'address', label: 'Addresses', sortable: true },
  { key: 'protocols', label: 'Found by', sortable: false },
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
  /** A row to put focus on (after its details close). */
  focusId?: string;
  /** "Not initialised" rows chosen for initialising (their checkbox; Space on the row toggles it). */
  chosen: ReadonlySet<string>;
  onToggle(d: InventoryDevice): void;
  /** Reset capability per row (the Status column's e-mail badge). */
  capabilities: Capabilities;
}

/**
 * A grid of divs with grid roles (virtualised rows must be absolutely
 * positioned, which real <tr>s cannot be). Keyboard: the table is one Tab stop;
 * arrows, Home/End and PageUp/PageDown move between rows; Enter opens a row's
 * details; Space toggles a "Not initialised" row's checkbox (and opens the others'
 * details); Right arrow reaches a control inside the row (the checkbox, an NVR's
 * sign-in), Left comes back.
 */
export function DeviceTable({ devices, sort, onSort, total, selected, onOpen, focusId, chosen, onToggle, capabilities }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: devices.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => devices[i]?.id ?? i,
  });
  const roving = useRovingRow(devices, virtualizer, scrollRef, focusId);
  const onKey = (e: KeyboardEvent<HTMLDivElement>, i: number, d: InventoryDevice) => {
    const act = keyAction(e, i, d, devices.length, { focusRow: roving.focusRow, onToggle, onOpen });
    if (!act) return;
    e.preventDefault();
    act();
  };

  return (
    <div role="grid" aria-label="Devices" aria-rowcount={devices.length + 1} aria-colcount={COLUMNS.length} className="dev-table">
      <Header sort={sort} onSort={onSort} />
      <div ref={scrollRef} className="dev-scroll" data-testid="device-scroll">
        {devices.length === 0 && <p className="dev-empty">{total === 0 ? 'No devices yet — discovery is listening.' : 'No device matches the filter.'}</p>}
        <div role="rowgroup" className="dev-body" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const d = devices[item.index];
            if (!d) return null;
            return (
              <DeviceRow key={item.key} d={d} index={item.index} start={item.start} tabbable={item.index === roving.active} selected={d.id === selected}
                onActive={roving.setActiveId} onOpen={onOpen} onKeyDown={(e) => onKey(e, item.index, d)}>
                <Cells d={d} chosen={chosen.has(d.id)} onToggle={onToggle} capabilities={capabilities} />
              </DeviceRow>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/**
 * The grid's one Tab stop (the active row) and moving it: the row is scrolled
 * into view and focused once the virtualiser has drawn it. `focusId` asks for a
 * row (after its details close).
 */
function useRovingRow(devices: InventoryDevice[], virtualizer: Virtualizer<HTMLDivElement, Element>, scrollRef: RefObject<HTMLDivElement | null>, focusId: string | undefined) {
  const [activeId, setActiveId] = useState<string>();
  const active = Math.max(0, devices.findIndex((d) => d.id === activeId));
  const focusRow = (i: number) => {
    const id = devices[i]?.id;
    if (!id) return;
    setActiveId(id);
    virtualizer.scrollToIndex(i);
    // The row may only exist once the virtualiser has drawn it.
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-row-id="${CSS.escape(id)}"]`)?.focus());
  };
  useEffect(() => {
    const i = focusId ? devices.findIndex((d) => d.id === focusId) : -1;
    if (i >= 0) focusRow(i);
    // Only when asked (focusId changes): a new list must not pull focus.
  }, [focusId]);
  return { active, setActiveId, focusRow };
}

/**
 * What a key does on row i: move to another row, enter the row's controls (and
 * ArrowLeft back out of them), toggle a "Not initialised" row, or open its
 * details. Undefined where the key is the browser's.
 */
function keyAction(
  e: KeyboardEvent<HTMLDivElement>,
  i: number,
  d: InventoryDevice,
  count: number,
  on: { focusRow(i: number): void; onToggle(d: InventoryDevice): void; onOpen(id: string): void },
): (() => void) | undefined {
  const row = e.currentTarget;
  if (e.target !== row) return e.key === 'ArrowLeft' ? () => row.focus() : undefined;
  const to = nextRow(e.key, i, count);
  if (to !== undefined) return () => on.focusRow(to);
  const what = rowKeyAction(e.key, isInitialisable(d));
  if (what === 'enter-row') return () => row.querySelector<HTMLElement>('button, input')?.focus();
  if (what === 'toggle') return () => on.onToggle(d);
  if (what === 'open') return () => on.onOpen(d.id);
  return undefined;
}

/** One virtualised row: positioned by the virtualiser, its attributes the e2e specs and styles read. */
function DeviceRow({ d, index, start, tabbable, selected, onActive, onOpen, onKeyDown, children }: {
  d: InventoryDevice;
  index: number;
  start: number;
  tabbable: boolean;
  selected: boolean;
  onActive(id: string): void;
  onOpen(id: string): void;
  onKeyDown(e: KeyboardEvent<HTMLDivElement>): void;
  children: React.ReactNode;
}) {
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-testid="device-row"
      data-row-id={d.id}
      data-serial={d.serial ?? ''}
      data-online={d.online ? 'true' : 'false'}
      data-kind={d.kind}
      data-address={d.addresses[0] ?? ''}
      className={`dev-row${d.online ? '' : ' offline'}${d.flags.length ? ' flagged' : ''}${selected ? ' selected' : ''}`}
      style={{ transform: `translateY(${start}px)`, height: ROW_HEIGHT }}
      tabIndex={tabbable ? 0 : -1}
      onFocus={(e) => e.target === e.currentTarget && onActive(d.id)}
      onClick={() => (onActive(d.id), onOpen(d.id))}
      onKeyDown={onKeyDown}
    >
      {children}
    </div>
  );
}

function Header({ sort, onSort }: { sort: SortSpec; onSort(key: SortKey): void }) {
  return (
    <div role="rowgroup" className="dev-head">
      <div role="row" className="dev-row">
        {COLUMNS.map((c) => (
          <div key={c.key} role="columnheader" className={`dev-cell col-${c.key}`} aria-sort={sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
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
  );
}

function Cells({ d, chosen, onToggle, capabilities }: { d: InventoryDevice; chosen: boolean; onToggle(d: InventoryDevice): void; capabilities: Capabilities }) {
  return (
    <>
      <div role="gridcell" className="dev-cell col-online stack">
        <Status tone={d.online ? 'good' : 'bad'}>{d.online ? 'Online' : 'Offline'}</Status>
        {d.dhip?.init === 'not-initialised' && (
          <span className="uninit-line">
            {isInitialisable(d) && (
              <input
                type="checkbox"
                tabIndex={-1}
                checked={chosen}
                onChange={() => onToggle(d)}
                // The row's click opens its details: ticking the box is not that.
                onClick={(e) => e.stopPropagation()}
                aria-label={`Choose ${d.name ?? d.model ?? d.addresses[0] ?? d.id} to initialise`}
                data-testid="init-choose"
              />
            )}
            <Status tone="warn" testId="not-initialised">
              Not initialised
            </Status>
          </span>
        )}
        <ResetBadge d={d} capabilities={capabilities} />
        {d.flags.length > 0 && (
          <span className="flag" role="img" aria-label={`Flagged: ${d.flags.join('; ')}`} title={d.flags.join('\n')}>
            ⚠ flagged
          </span>
        )}
      </div>
      <div role="gridcell" className="dev-cell col-kind">
        {KIND_LABEL[d.kind]}
        {d.kind === 'nvr' && <NvrSignInLink device={d} compact tabIndex={-1} />}
      </div>
      <div role="gridcell" className="dev-cell col-model two-line" title={[d.manufacturer, d.model, d.firmware && `firmware ${d.firmware}`].filter(Boolean).join('\n')}>
        <span data-testid="device-model">{d.model ?? ''}</span>
        <small>{[d.manufacturer, d.firmware].filter(Boolean).join(' · ')}</small>
      </div>
      <div role="gridcell" className="dev-cell col-serial mono" data-testid="device-serial" title={d.serial}>
        {d.serial ?? ''}
      </div>
      <div role="gridcell" className="dev-cell col-mac mono" data-testid="device-mac" title={d.mac}>
        {d.mac ?? ''}
      </div>
      <div role="gridcell" className="dev-cell col-address mono" title={[...d.addresses, ...d.xaddrs].join('\n')}>
        {d.addresses.join(', ')}
      </div>
      <div role="gridcell" className="dev-cell col-protocols wrap" title={foundBy(d.protocols, true)}>
        {foundBy(d.protocols)}
      </div>
      <div role="gridcell" className="dev-cell col-lastSeen">{new Date(d.lastSeen).toLocaleTimeString()}</div>
      <div role="gridcell" className="dev-cell col-skew">{formatSkew(d.clockSkewMs)}</div>
    </>
  );
}

/** Whether the device's password can be reset by e-mail, and to which (masked) address: known before a reset case starts. */
function ResetBadge({ d, capabilities }: { d: InventoryDevice; capabilities: Capabilities }) {
  const badge = capabilityBadge(capabilities.get(d.id));
  if (!badge) return null;
  return (
    <span className={`reset-cap ${badge.kind}`} title={badge.detail} data-testid="reset-capability" data-reset={badge.kind}>
      <span className="sr-only">{badge.spoken}</span>
      <span aria-hidden="true">✉ </span>
      {badge.text}
    </span>
  );
}
