import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseSoap, escapeXml, buildEnvelope } from './soap';
import { OnvifError } from './errors';
import { digestAuthorization, parseChallenges, pickChallenge } from './digest';

describe('SOAP response parser', () => {
  it('reads a fault code chain with any prefixes', () => {
    const xml =
      '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:e="http://www.onvif.org/ver10/error"><SOAP-ENV:Body>' +
      '<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:Sender</SOAP-ENV:Value><SOAP-ENV:Subcode><SOAP-ENV:Value>e:OperationProhibited</SOAP-ENV:Value>' +
      '<SOAP-ENV:Subcode><SOAP-ENV:Value>e:PasswordTooWeak</SOAP-ENV:Value></SOAP-ENV:Subcode></SOAP-ENV:Subcode></SOAP-ENV:Code>' +
      '<SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">weak</SOAP-ENV:Text><SOAP-ENV:Text xml:lang="de">schwach</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>';
    expect(parseSoap(xml).fault).toEqual({ codes: ['Sender', 'OperationProhibited', 'PasswordTooWeak'], reason: 'weak' });
  });

  it('reads SOAP 1.1 faults', () => {
    const xml = '<s:Envelope xmlns:s="x"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>bad</faultstring></s:Fault></s:Body></s:Envelope>';
    expect(parseSoap(xml).fault).toEqual({ codes: ['Client'], reason: 'bad' });
  });

  it.each([
    ['', 'empty'],
    ['<a><b></a>', 'not well-formed'],
    ['<html><body>hi</body></html>', 'not SOAP'],
    ['<!DOCTYPE x [<!ENTITY a "aaaa">]><s:Envelope xmlns:s="x"><s:Body>&a;</s:Body></s:Envelope>', 'DTD'],
  ])('rejects %j (%s) as protocol', (xml) => {
    expect(() => parseSoap(xml)).toThrow(OnvifError);
    try {
      parseSoap(xml);
    } catch (e) {
      expect((e as OnvifError).kind).toBe('protocol');
    }
  });

  it('fuzz: garbage and mutated SOAP never throw anything but OnvifError', () => {
    const valid = buildEnvelope('<tds:GetUsersResponse><tds:User><tt:Username>admin</tt:Username></tds:User></tds:GetUsersResponse>');
    const mutated = fc
      .tuple(fc.nat({ max: valid.length }), fc.nat({ max: 40 }), fc.string({ maxLength: 20 }))
      .map(([at, cut, ins]) => valid.slice(0, at) + ins + valid.slice(Math.min(valid.length, at + cut)));
    const tagSoup = fc
      .array(fc.constantFrom('<s:Envelope>', '</s:Envelope>', '<s:Body>', '</s:Body>', '<Fault>', '</Fault>', '<Code>', '</Code>', '<Value>', '</Value>', '<Subcode>', '</Subcode>', 'x:y', '&amp;', '&#0;', '<![CDATA[', ']]>', '<?xml?>', '<a b="', '"/>'), { maxLength: 30 })
      .map((p) => p.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), mutated, tagSoup), (xml) => {
        try {
          const r = parseSoap(xml);
          expect(typeof r.body).toBe('object');
        } catch (e) {
          if (!(e instanceof OnvifError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('escapeXml', () => {
  it('escapes the five XML specials and refuses characters XML cannot carry', () => {
    expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;');
    expect(escapeXml('Pässwörd')).toBe('Pässwörd');
    expect(() => escapeXml('a\u0001b')).toThrow(OnvifError);
  });
});

describe('Digest', () => {
  // RFC 7616 §3.9.1 example.
  const rfc = (algorithm: string) =>
    parseChallenges([
      'WWW-Authenticate',
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
    ]).digest[0]!;

  it('matches the RFC 7616 example for MD5 and SHA-256', () => {
    const md5 = digestAuthorization(rfc('MD5'), 'Mufasa', 'Circle of Life', 'GET', '/dir/index.html', 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ');
    expect(md5).toContain('response="8ca523f5e9506fed4657c9700eebdbec"');
    expect(md5).toContain('opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"');
    expect(md5).toContain('nc=00000001');
    const sha = digestAuthorization(rfc('SHA-256'), 'Mufasa', 'Circle of Life', 'GET', '/dir/index.html', 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ');
    expect(sha).toContain('response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"');
  });

  it('prefers SHA-256 whatever the order, and sets unsupported algorithms aside', () => {
    const p = parseChallenges([
      'WWW-Authenticate', 'Digest realm="r", qop="auth", nonce="n1"',
      'WWW-Authenticate', 'Digest realm="r", qop="auth", algorithm=SHA-256, nonce="n2", stale=TRUE',
      'WWW-Authenticate', 'Digest realm="r", qop="auth", algorithm=SHA-512-256, nonce="n3"',
      'WWW-Authenticate', 'Basic realm="r"',
    ]);
    expect(pickChallenge(p.digest)?.algorithm).toBe('SHA-256');
    expect(pickChallenge(p.digest)?.stale).toBe(true);
    expect(p.unsupported).toEqual(['SHA-512-256']);
    expect(p.basic).toBe(true);
  });
});
