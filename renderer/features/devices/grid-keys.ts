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
