import { describe, expect, it } from 'vitest';
import { isRecord, obj } from './json';

describe('obj / isRecord: the plain-record guard', () => {
  it.each<[string, unknown, boolean]>([
    ['an object', { a: 1 }, true],
    ['an empty object', {}, true],
    ['an object without a prototype', Object.create(null) as object, true],
    ['null', null, false],
    ['undefined', undefined, false],
    ['an array', [1, 2], false],
    ['an empty array', [], false],
    ['a string', 'x', false],
    ['an empty string', '', false],
    ['a number', 0, false],
    ['a boolean', true, false],
  ])('%s', (_name, value, record) => {
    expect(isRecord(value)).toBe(record);
    expect(obj(value)).toBe(record ? value : undefined);
  });
});
