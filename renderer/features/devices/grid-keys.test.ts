import { describe, expect, it } from 'vitest';
import { nextRow, PAGE_ROWS, rowKeyAction } from './grid-keys';

describe('device grid keys', () => {
  it.each([
    ['ArrowDown', 0, 5, 1],
    ['ArrowDown', 4, 5, 4],
    ['ArrowUp', 0, 5, 0],
    ['ArrowUp', 3, 5, 2],
    ['Home', 3, 5, 0],
    ['End', 0, 5, 4],
    ['PageDown', 0, 50, PAGE_ROWS],
    ['PageDown', 45, 50, 49],
    ['PageUp', 5, 50, 0],
  ])('%s from row %i of %i → %i', (key, at, count, want) => {
    expect(nextRow(key, at, count)).toBe(want);
  });
  it('leaves other keys (Tab, letters, Enter) to the page, and does nothing in an empty table', () => {
    for (const k of ['Tab', 'a', 'Enter', ' ']) expect(nextRow(k, 1, 5)).toBeUndefined();
    expect(nextRow('ArrowDown', 0, 0)).toBeUndefined();
  });
  it('Space toggles a row that has a checkbox (a "Not initialised" row) and opens the others; Enter always opens', () => {
    expect(rowKeyAction(' ', true)).toBe('toggle');
    expect(rowKeyAction(' ', false)).toBe('open');
    expect(rowKeyAction('Enter', true)).toBe('open');
    expect(rowKeyAction('ArrowRight', false)).toBe('enter-row');
    for (const k of ['Tab', 'a', 'Escape']) expect(rowKeyAction(k, true)).toBeUndefined();
  });
});
