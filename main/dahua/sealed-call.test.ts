import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DahuaError, type DahuaRpcClient } from './client';
import { lookUpKey, sealedCall, UnreadableAnswer } from './sealed-call';
import { sealKeyOf } from './sec-envelope';

// Hostile answers to the sealed calls, with a stand-in client (no network): whatever the NVR answers,
// the caller gets a key or a plain reason, and an opened answer or an UnreadableAnswer — never a crash.
const hex = (b64u: string) => Buffer.from(b64u, 'base64url').toString('hex').toUpperCase();
const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
const PUB = `N:${hex(jwk.n!)},E:${hex(jwk.e!)}`;

/** A client whose every call answers `params` (or throws `error`). */
const clientAnswering = (params: unknown, error?: DahuaError) =>
  ({
    call: () => (error ? Promise.reject(error) : Promise.resolve(params)),
    request: () => (error ? Promise.reject(error) : Promise.resolve({ result: true, params })),
  }) as unknown as DahuaRpcClient;

describe('Security.getEncryptInfo answers', () => {
  it('a strong key is fit; missing is absent; weak, odd or refused is unfit with a plain reason', async () => {
    expect((await lookUpKey(clientAnswering({ asymmetric: 'RSA', cipher: ['AES', 'RPAC'], pub: PUB }))).state).toBe('fit');
    expect(await lookUpKey(clientAnswering(undefined, new DahuaError({ kind: 'method-not-found' })))).toEqual({ state: 'absent' });
    expect(await lookUpKey(clientAnswering(undefined, new DahuaError({ kind: 'invalid-request' })))).toMatchObject({ state: 'unfit', reason: expect.stringMatching(/would not hand out its encryption key/) });
    expect(await lookUpKey(clientAnswering({ cipher: ['DES'], pub: PUB }))).toMatchObject({ state: 'unfit', reason: expect.stringMatching(/no cipher this app knows/) });
    expect(await lookUpKey(clientAnswering({ cipher: ['AES'], pub: `N:${hex(jwk.n!)},E:03` }))).toMatchObject({ state: 'unfit', reason: expect.stringMatching(/exponent 3/) });
  });

  it('a lost answer is not a verdict on the key: it goes back to the caller', async () => {
    const lost = new DahuaError({ kind: 'unreachable' });
    lost.answerLost = true;
    await expect(lookUpKey(clientAnswering(undefined, lost))).rejects.toBe(lost);
  });

  it('never throws on any answer, and calls a key fit only when it passes the checks (fuzz)', async () => {
    const info = fc.oneof(fc.anything(), fc.record({ asymmetric: fc.anything(), cipher: fc.oneof(fc.anything(), fc.array(fc.constantFrom('AES', 'RPAC', 'DES', ''))), pub: fc.oneof(fc.string(), fc.constant(PUB), fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF') }).map((h: string) => `N:${h},E:010001`)) }, { requiredKeys: [] }));
    await fc.assert(
      fc.asyncProperty(info, async (answer) => {
        const k = await lookUpKey(clientAnswering(answer));
        if (k.state === 'fit') expect(() => sealKeyOf(answer)).not.toThrow();
        else expect(k.state).toBe('unfit');
      }),
      { numRuns: 300 },
    );
  });
});

describe('sealed answers', () => {
  const key = sealKeyOf({ cipher: ['AES', 'RPAC'], pub: PUB });
  it('anything but a content sealed with our key is an UnreadableAnswer (fuzz)', async () => {
    const params = fc.oneof(fc.anything(), fc.record({ content: fc.oneof(fc.string(), fc.base64String(), fc.anything()) }));
    await fc.assert(
      fc.asyncProperty(params, async (p) => {
        const out = await sealedCall(clientAnswering(p), key, 'LogicDeviceManager.secGetCameraAll', null).then(
          (v) => ({ opened: v }),
          (e: unknown) => ({ error: e }),
        );
        // A random base64 string almost never opens as JSON under our fresh key; if it ever does, it is just data.
        if ('error' in out) expect(out.error).toBeInstanceOf(UnreadableAnswer);
      }),
      { numRuns: 300 },
    );
  });
});
