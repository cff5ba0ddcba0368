import { useDeferredValue, useMemo, useState } from 'react';
import { DeviceDetails } from './DeviceDetails';
import { DeviceTable } from './DeviceTable';
import { DiagnosticsPanel } from './DiagnosticsPanel';
import { view, type SortKey, type SortSpec } from './model';
import { AdapterPicker, FactoryDefaults, ManualAdd, ScanButton, Sweep } from './Toolbar';
import { useInventory } from './useInventory';
import './devices.css';

/** The technician's first minute: every NVR and camera on the chosen adapter, live. */
export function DevicesView() {
  const { rows, diagnostics, scan } = useInventory();
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<SortSpec>({ key: 'kind', dir: 'asc' });
  // A thousand rows re-sorting on every keystroke would stutter; let typing win.
  const deferredFilter = useDeferredValue(filter);
  const devices = useMemo(() => view(rows.values(), deferredFilter, sort), [rows, deferredFilter, sort]);
  const onSort = (key: SortKey) => setSort((s) => (s.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' }));
  const online = [...rows.values()].filter((d) => d.online).length;
  const [openId, setOpenId] = useState<string>();
  const [backTo, setBackTo] = useState<string>();
  const opened = openId ? rows.get(openId) : undefined;
  const open = (id: string) => setOpenId((o) => (o === id ? undefined : id));
  const close = () => {
    setBackTo(openId);
    setOpenId(undefined);
  };

  return (
    <section aria-label="Devices" className="devices">
      <div className="dev-toolbar">
        <ScanButton scanning={scan.state === 'scanning'} />
        <label className="dev-filter">
          Filter
          <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="model, serial, MAC, address…" />
        </label>
        <span className="dev-count" data-testid="device-count" aria-live="polite">
          {deferredFilter.trim() ? `${devices.length} of ${rows.size} devices match` : `${rows.size} device(s)`}, {online} online
          {scan.state === 'scanning' ? ' — scanning…' : ''}
        </span>
      </div>
      <DeviceTable devices={devices} sort={sort} onSort={onSort} total={rows.size} selected={openId} onOpen={open} focusId={backTo} />
      {opened && <DeviceDetails key={opened.id} d={opened} diagnostics={diagnostics} onClose={close} />}
      <div className="dev-actions">
        <ManualAdd />
        <Sweep progress={scan.state === 'sweeping' ? scan : undefined} />
        <FactoryDefaults />
        <AdapterPicker />
      </div>
      <DiagnosticsPanel diagnostics={diagnostics} />
    </section>
  );
}
