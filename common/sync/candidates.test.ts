import { describe, expect, it } from 'vitest';
import { candidateOrder, type Candidate } from './candidates';

const show = (c: Candidate[]) => c.map((x) => (x.kind === 'new' ? 'new' : x.kind === 'known' ? `known${x.index}` : x.index));

describe('candidate order', () => {
  it.each([
    ['no evidence: the list in order, then the new password', {}, {}, [0, 1, 2, 'new']],
    ['a password proven on another camera goes first', { proven: [2] }, {}, [2, 0, 1, 'new']],
    ['the site has seen the new password: it goes before the list', { newAlreadySet: true }, {}, ['new', 0, 1, 2]],
    // The counterexample fast-check found: camera 0 held the new password, camera 1's first account proved
    // password 0; its second account must try password 0 before the new one, or a budget of 2 runs out.
    ['what this camera proved beats what the site has seen', { proven: [1], newAlreadySet: true }, { proven: [0] }, [0, 'new', 1, 2]],
    ['this camera already held the new password on another account', { proven: [1] }, { newHeld: true, proven: [] }, ['new', 1, 0, 2]],
    ['positions outside the list are ignored, each tried once', { proven: [5, -1, 1, 1] }, { proven: [1] }, [1, 0, 2, 'new']],
  ])('%s', (_name, site, here, want) => {
    expect(show(candidateOrder(3, { proven: [], newAlreadySet: false, ...site }, here))).toEqual(want);
  });

  it('passwords known for this account go before everything else, in their order', () => {
    expect(show(candidateOrder(2, { proven: [1], newAlreadySet: true }, { proven: [0], newHeld: true }, 2))).toEqual(['known0', 'known1', 'new', 0, 1]);
    expect(show(candidateOrder(1, { proven: [], newAlreadySet: false }, {}, 0))).toEqual([0, 'new']);
  });
});
