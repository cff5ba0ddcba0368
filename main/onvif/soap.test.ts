import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseSoap, escapeXml, buildEnvelope } from './soap';
import { OnvifError } from './errors';

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
