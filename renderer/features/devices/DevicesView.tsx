import { useDeferredValue, useMemo, useRef, useState } from 'react';
import type { InventoryDevice } from '../../../common/domain/device';
import { useCases, useInitRun, useResetCapabilities } from '../../src/data';
import { InitBar } from '../init/InitBar';
import { InitPanel } from '../init/InitPanel';
import { InitResults } from '../init/InitResults';
import { casesWithPassword, chosenDevices, isInitialisable, settledRowOf, toggleChosen } from '../init/model';
import { DeviceDetails } from './DeviceDetails';
import { DeviceTable } from './DeviceTable';
import { DiagnosticsPanel } from './DiagnosticsPanel';
import { view, type SortKey, type SortSpec } from './model';
import { AdapterPicker, FactoryDefaults, ManualAdd, ScanButton, Sweep } from './Toolbar';
import { useInventory } from './useInventory';
import '../init/init.css';
import './devices.css';
import { useFocusAfterCommit } from '../../src/focus';

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
  const init = useInit(rows);

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
      {init.bar}
      {init.panel}
      {init.results}
      <DeviceTable devices={devices} sort={sort} onSort={onSort} total={rows.size} selected={openId} onOpen={open} focusId={backTo} {...init.table} />
      {opened && <DeviceDetails key={opened.id} d={opened} diagnostics={diagnostics} onClose={close} {...init.detailsOf(opened.id)} />}
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

/**
 * Initialising factory-fresh devices from this screen: the choice of "Not
 * initialised" rows, the panel, the run's results, and each row's reset
 * capability. Focus follows the work: the panel's heading when it opens, the
 * results' heading once a run started, "Initialise…" again when it is cancelled.
 */
function useInit(rows: Map<string, InventoryDevice>) {
  const capabilities = useResetCapabilities(rows);
  const run = useInitRun().data ?? null;
  const caseId = casesWithPassword(useCases().data?.cases ?? [])[0]?.id;
  const [chosenIds, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [panelOpen, setPanelOpen] = useState(false);
  const [focusResults, setFocusResults] = useState(0);
  const [hiddenRun, setHiddenRun] = useState<string>();
  const openButton = useRef<HTMLButtonElement>(null);
  const focusSoon = useFocusAfterCommit();
  const chosen = chosenDevices(chosenIds, rows.values());
  const initialisable = [...rows.values()].filter(isInitialisable);

  const closePanel = () => {
    setPanelOpen(false);
    focusSoon(() => openButton.current);
  };
  const started = () => {
    setPanelOpen(false);
    setHiddenRun(undefined);
    setFocusResults((n) => n + 1);
  };
  const showBar = initialisable.length > 0 || panelOpen;
  return {
    table: { chosen: chosenIds, onToggle: (d: InventoryDevice) => setChosen((c) => toggleChosen(c, d)), capabilities },
    /** What the details panel says of a device: its reset capability, and what this session's run did to it. */
    detailsOf: (id: string) => ({ capability: capabilities.get(id), initRow: settledRowOf(run, id), caseId }),
    bar: showBar && (
      <InitBar
        initialisable={initialisable.length}
        chosen={chosen.length}
        running={run?.running ?? false}
        onChooseAll={() => setChosen(new Set(initialisable.map((d) => d.id)))}
        onClear={() => setChosen(new Set())}
        onOpen={() => setPanelOpen(true)}
        openRef={openButton}
      />
    ),
    panel: panelOpen && chosen.length > 0 && <InitPanel devices={chosen} onClose={closePanel} onStarted={started} />,
    results: run && run.runId !== hiddenRun && <InitResults run={run} devices={rows} focusKey={focusResults} onHide={() => setHiddenRun(run.runId)} />,
  };
}
