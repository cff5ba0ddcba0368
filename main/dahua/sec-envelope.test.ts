import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chooseMode, EnvelopeError, openWithKey, parsePublicKey, randomDigitKey, seal, sealKeyOf, sealWithKey, WeakKeyError } from './sec-envelope';

// Known vectors computed independently with the openssl CLI (zero-padded input, -nopad):
//   printf '{"a":1}' + zero pad | openssl enc -aes-128-ecb -K hex("1234567890123456") -nopad | base64
//   … | openssl enc -aes-256-cbc -K hex("12345678901234567890123456789012") -iv hex("0000000000000000") -nopad | base64
const KEY16 = '1234567890123456';
const KEY32 = '12345678901234567890123456789012';

const hex = (b64u: string) => Buffer.from(b64u, 'base64url').toString('hex').toUpperCase();
/** A key pair and its public half as getEncryptInfo spells it. */
function rsa(bits: number) {
  const pair = generateKeyPairSync('rsa', { modulusLength: bits });
  const jwk = pair.publicKey.export({ format: 'jwk' });
  return { ...pair, n: hex(jwk.n!), e: hex(jwk.e!), pub: `N:${hex(jwk.n!)},E:${hex(jwk.e!)}` };
}
const { privateKey, pub, n: N2048 } = rsa(2048);

/** What the NVR does with the salt: raw RSA, then strip EM = 00 02 PS(≥ 8 non-zero) 00 M (RFC 8017 §7.2.2). */
function pkcs1v15Unpad(em: Buffer): Buffer {
  expect(em[0]).toBe(0);
  expect(em[1]).toBe(2);
  const sep = em.indexOf(0, 2);
  expect(sep).toBeGreaterThanOrEqual(10);
  return em.subarray(sep + 1);
}

describe('secSetCamera envelope', () => {
  it('matches openssl for AES-128-ECB and AES-256-CBC with the zero IV and zero padding', () => {
    expect(sealWithKey({ a: 1 }, KEY16, chooseMode(['AES']))).toBe('Jrsh1uym4Bvgx5Ps7YV6XQ==');
    expect(sealWithKey({ a: 1 }, KEY32, chooseMode(['AES', 'RPAC']))).toBe('M6eGoPe3l731l3y8NF6/4A==');
    expect(sealWithKey({ channel: 0, Password: 'Ab1-new' }, KEY32, chooseMode(['RPAC']))).toBe(
      'zJUXSgKCSXXDkpZwx8hMsVGpSexzXCy4CP2WMQ7FKo7hPXn3lpM5gez9a7PMPGeH',
    );
  });

  it('the NVR (holding the private key) recovers the key from the salt and the call from the content', () => {
    const params = { channel: 3, Password: 'Näw-pass1"\\' };
    const env = seal(params, { asymmetric: 'RSA', cipher: ['AES', 'RPAC'], pub });
    expect(env.cipher).toBe('RPAC-256');
    const key = pkcs1v15Unpad(privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, Buffer.from(env.salt, 'hex'))).toString('utf8');
    expect(key).toMatch(/^\d{32}$/);
    expect(openWithKey(env.content, key, chooseMode(['RPAC']))).toEqual(params);
    // The salt is fresh every time (PKCS#1 v1.5 padding is random, and so is the key).
    expect(seal(params, { cipher: ['RPAC'], pub }).salt).not.toBe(env.salt);
  });

  it('round-trips any JSON through both ciphers', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(['AES'], ['RPAC']), (value, ciphers) => {
        const mode = chooseMode(ciphers);
        const key = randomDigitKey(mode.keyLength);
        // JSON.parse(JSON.stringify(x)) is how the NVR will see it (-0 becomes 0).
        expect(openWithKey(sealWithKey(value, key, mode), key, mode)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it.each([
    [{ cipher: ['DES'], pub }, /no cipher this app knows/],
    [{ cipher: [], pub }, /no cipher/],
    [{ cipher: ['RPAC'], pub: 'N:zz,E:010001' }, /cannot read/],
    [{ cipher: ['RPAC'], pub: 'E:010001' }, /cannot read/],
    [{ cipher: ['RPAC'], pub: 'N:ABCD,E:010001' }, /too weak.*16 bits/],
    [{ cipher: ['RPAC'], pub: `N:${'F'.repeat(4200)},E:010001` }, /shape/],
    [{ cipher: 'RPAC', pub }, /shape/],
    [null, /shape/],
    ['{"cipher":["RPAC"]}', /shape/],
  ])('refuses a hostile Security.getEncryptInfo answer %#', (info, message) => {
    expect(() => seal({ a: 1 }, info)).toThrow(EnvelopeError);
    expect(() => seal({ a: 1 }, info)).toThrow(message);
  });

  it('refuses encrypted replies of the wrong length or not JSON', () => {
    const mode = chooseMode(['AES']);
    expect(() => openWithKey('', KEY16, mode)).toThrow(/wrong length/);
    expect(() => openWithKey('AAAA', KEY16, mode)).toThrow(/wrong length/);
    expect(() => openWithKey(sealWithKey('x', KEY16, mode).replace(/^./, 'A'), KEY16, mode)).toThrow(EnvelopeError);
  });

  it('parses the key whatever the order of N and E', () => {
    const [n, e] = pub.split(',');
    expect(parsePublicKey(`${e},${n}`).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(parsePublicKey(`E:10001,N:00${N2048.toLowerCase()}`).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});

describe('weak keys are refused before anything is sealed', () => {
  const small512 = rsa(512);
  const small1024 = rsa(1024);
  const weak: [string, string, RegExp][] = [
    // Zero bytes in front make the hex as long as a 2048-bit key's: the real size is what counts.
    ['a 512-bit key zero-padded to look like 2048 bits', `N:${small512.n.padStart(600, '0')},E:010001`, /RSA key of 512 bits; 2048 is the least/],
    ['a 1024-bit key', small1024.pub, /RSA key of 1024 bits/],
    ['e = 1 (the "encrypted" key is the key itself)', `N:${N2048},E:01`, /RSA exponent 1;/],
    ['e = 2', `N:${N2048},E:02`, /RSA exponent 2;/],
    ['e = 3', `N:${N2048},E:000003`, /RSA exponent 3;/],
    ['e = 0', `N:${N2048},E:00`, /RSA exponent 0;/],
    ['a huge exponent', `N:${N2048},E:${'F'.repeat(40)}`, /exponent out of range/],
    ['an even modulus', `N:${N2048.slice(0, -1)}0,E:010001`, /even RSA modulus/],
  ];
  it.each(weak)('%s', (_what, key, message) => {
    const info = { asymmetric: 'RSA', cipher: ['AES', 'RPAC'], pub: key };
    expect(() => sealKeyOf(info)).toThrow(WeakKeyError);
    expect(() => sealKeyOf(info)).toThrow(message);
    expect(() => seal({ Password: 'Never-sealed-1' }, info)).toThrow(/too weak to protect a password.*sent nothing/);
  });

  it('the message never carries what would have been sealed', () => {
    const err = (() => {
      try {
        seal({ Password: 'Never-sealed-1' }, { cipher: ['RPAC'], pub: small1024.pub });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).not.toContain('Never-sealed-1');
  });

  it('a strong key passes and seals (2048 bits, e = 65537)', () => {
    expect(sealKeyOf({ cipher: ['RPAC'], pub }).mode.cipher).toBe('RPAC-256');
  });
});
