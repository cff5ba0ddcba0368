import { useEffect, useState } from 'react';
import type { Diagnostic, ScanState } from '../../../common/contract/devices';
import type { InventoryDevice } from '../../../common/domain/device';
import { nvr } from '../../src/api';
import { applyChange } from './model';

const MAX_DIAGNOSTICS = 500;

/** Live inventory: the initial list, then devices.changed batches folded in place. */
export function useInventory() {
  const [rows, setRows] = useState<Map<string, InventoryDevice>>(new Map());
  const [diagnostics, setDiagnostics] = useState<Diagnostic[]>([]);
  const [scan, setScan] = useState<ScanState>({ state: 'idle' });

  useEffect(() => {
    let live = true;
    // Subscribe first so nothing that arrives while the list is loading is lost.
    const offs = [
      nvr.on('devices.changed', ({ devices, removed }) => setRows((r) => applyChange(r, devices, removed))),
      nvr.on('devices.diagnostic', (d) => setDiagnostics((xs) => [...xs, d].slice(-MAX_DIAGNOSTICS))),
      nvr.on('devices.scanState', setScan),
    ];
    nvr.devices.list().then((list) => live && setRows((r) => applyChange(new Map(), [...list.filter((d) => !r.has(d.id)), ...r.values()])), () => undefined);
    nvr.devices.diagnostics().then((list) => live && setDiagnostics((xs) => (xs.length ? xs : list)), () => undefined);
    return () => {
      live = false;
      for (const off of offs) off();
    };
  }, []);

  return { rows, diagnostics, scan };
}
