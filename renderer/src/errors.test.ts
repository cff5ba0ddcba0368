import { describe, expect, it } from 'vitest';
import { AppError } from '../../common/contract/define';
import { explain } from './errors';

describe('explain', () => {
  it('names the field and an example for a bad argument, never the schema text', () => {
    const e = new AppError('bad-request', 'Invalid arguments for devices.addManual: ✖ an IPv4 address … → at target', {
      call: 'devices.addManual',
      field: 'target',
      expected: 'an IPv4 address or host name, optionally with :port',
    });
    const s = explain(e);
    expect(s).toMatch(/^That is not the address this needs\. Type an IPv4 address/);
    expect(s).not.toMatch(/Invalid arguments|✖|→/);
  });

  it.each([
    [new AppError('internal', 'Internal error in x; see the app log.'), /restart the app and send the app log/],
    [new AppError('unknown-call', 'Unknown call "x".'), /cannot do that/],
    [new AppError('conflict', 'This case is closed.'), /^This case is closed\.$/],
    [new AppError('unavailable', 'The connection to the app host closed.'), /restart the app/],
    [new AppError('confirm-wide-range', 'outside', { range: '10.0.0.0/16' }), /^10\.0\.0\.0\/16 is outside the network adapters you chose\. Sweep anyway\?$/],
    [new Error('plain'), /^plain$/],
    ['a string', /^a string$/],
  ])('%s', (e, expected) => {
    expect(explain(e)).toMatch(expected);
  });

  it('falls back to a sentence with the field for calls it has no words for', () => {
    expect(explain(new AppError('bad-request', 'x', { call: 'cases.goto', field: 'step', expected: 'Invalid option' }))).toBe(
      'The app could not use what was entered (step): Invalid option. Correct it and try again.',
    );
  });
});
