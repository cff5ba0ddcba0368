/**
 * The device table's keys (WAI-ARIA grid, row focus): one Tab stop for the
 * whole table, arrows move between rows, Home/End and PageUp/PageDown jump.
 * Pure, so the moves are tested without a browser.
 */
export const PAGE_ROWS = 10;

export function nextRow(key: string, at: number, count: number): number | undefined {
  if (count === 0) return undefined;
  const clamp = (i: number) => Math.max(0, Math.min(count - 1, i));
  switch (key) {
    case 'ArrowDown':
      return clamp(at + 1);
    case 'ArrowUp':
      return clamp(at - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    case 'PageDown':
      return clamp(at + PAGE_ROWS);
    case 'PageUp':
      return clamp(at - PAGE_ROWS);
    default:
      return undefined;
  }
}

/** What a key does on a row itself (not on a control inside it), besides moving between rows. */
export type RowKeyAction = 'toggle' | 'open' | 'enter-row';

/**
 * Space toggles the checkbox of a row that has one (a "Not initialised" row:
 * WAI-ARIA grids select with Space) and opens the others' details, as Enter
 * does everywhere; Right arrow reaches a control inside the row.
 */
export function rowKeyAction(key: string, hasCheckbox: boolean): RowKeyAction | undefined {
  if (key === ' ') return hasCheckbox ? 'toggle' : 'open';
  if (key === 'Enter') return 'open';
  if (key === 'ArrowRight') return 'enter-row';
  return undefined;
}
