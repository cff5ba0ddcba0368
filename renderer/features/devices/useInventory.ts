import { useDevices, useDiagnostics, useScanState } from '../../src/data';

const NONE = new Map();

/** Live inventory from the app's data layer (renderer/src/data.ts folds devices.* events into it). */
export function useInventory() {
  const rows = useDevices().data ?? NONE;
  const diagnostics = useDiagnostics().data ?? [];
  const scan = useScanState();
  return { rows, diagnostics, scan };
}
