import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { OnvifError } from './errors';

/** SOAP 1.2 envelopes out, prefix-agnostic parsing in. Every failure becomes an OnvifError. */

export const NS = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
} as const;

export type XmlNode = Record<string, unknown>;

// XML 1.0 cannot carry these even escaped; sending them would make the device reject the body.
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function escapeXml(s: string): string {
  if (XML_INVALID.test(s)) throw new OnvifError('protocol', 'value contains characters XML cannot carry');
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * Element text: only what XML requires (`&`, `<`, `>`). Quotes stay as they are, because
 * some cameras store escaped text literally and `"`/`'` need no escaping outside attributes.
 */
export function escapeText(s: string): string {
  if (XML_INVALID.test(s)) throw new OnvifError('protocol', 'value contains characters XML cannot carry');
  return s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
}

export function buildEnvelope(body: string, header = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="${NS.s}" xmlns:tds="${NS.tds}" xmlns:tt="${NS.tt}">` +
    (header ? `<s:Header>${header}</s:Header>` : '') +
    `<s:Body>${body}</s:Body></s:Envelope>`
  );
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false, // serials like '0012' and passwords stay strings
  trimValues: true,
  htmlEntities: true,
  isArray: (name) => name === 'User' || name === 'Text',
});

/** The same, keeping attributes as `@name` (profile tokens live in attributes). */
const attributeParser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  htmlEntities: true,
  isArray: (name) => name === 'User' || name === 'Text' || name === 'Profiles',
});

export interface SoapFaultInfo {
  codes: string[];
  reason: string;
}

export interface SoapResponse {
  body: XmlNode;
  fault?: SoapFaultInfo;
}

export function asNode(v: unknown): XmlNode | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as XmlNode) : undefined;
}

export function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const n = asNode(v);
  if (n && '#text' in n) return textOf(n['#text']);
  return undefined;
}

const localName = (v: string) => v.trim().split(':').pop() ?? '';

/** Parses a SOAP envelope; never throws anything but OnvifError('protocol'). */
export function parseSoap(xml: string, o: { attributes?: boolean } = {}): SoapResponse {
  try {
    // SOAP forbids DTDs; refusing them also rules out entity-expansion bombs.
    if (/<!DOCTYPE/i.test(xml)) throw new OnvifError('protocol', 'response contains a DTD');
    if (XMLValidator.validate(xml) !== true) throw new OnvifError('protocol', 'response is not well-formed XML');
    const doc = asNode((o.attributes ? attributeParser : parser).parse(xml));
    const body = asNode(asNode(doc?.['Envelope'])?.['Body']);
    if (!body) throw new OnvifError('protocol', 'response is not a SOAP envelope');
    const f = body['Fault'];
    if (f === undefined) return { body };
    return { body, fault: parseFault(asNode(f) ?? {}) };
  } catch (e) {
    if (e instanceof OnvifError) throw e;
    throw new OnvifError('protocol', 'response could not be parsed', { cause: e });
  }
}

function parseFault(f: XmlNode): SoapFaultInfo {
  const codes: string[] = [];
  // SOAP 1.2: Code/Value + nested Subcode/Value. Bounded: a hostile chain cannot loop us.
  let node = asNode(f['Code']);
  for (let depth = 0; node && depth < 16; depth++) {
    const v = textOf(node['Value']);
    if (v) codes.push(localName(v));
    node = asNode(node['Subcode']);
  }
  // SOAP 1.1 devices still exist: faultcode/faultstring.
  const v11 = textOf(f['faultcode']);
  if (codes.length === 0 && v11) codes.push(localName(v11));
  const reasonNode = asNode(f['Reason']);
  const texts = reasonNode?.['Text'];
  const reason = (Array.isArray(texts) ? textOf(texts[0]) : textOf(texts)) ?? textOf(f['faultstring']) ?? '';
  return { codes, reason: reason.slice(0, 500) };
}

/** The single operation element of a response body (e.g. GetUsersResponse). */
export function responseNode(body: XmlNode, name: string): XmlNode {
  const v = body[name];
  if (v === undefined) throw new OnvifError('protocol', `response lacks ${name}`);
  return asNode(v) ?? {}; // <tds:SetUserResponse/> parses to ''
}

/** Loose content-type check: SOAP 1.2, SOAP 1.1 (text/xml) or generic XML all pass. */
export function isXmlContentType(ct: string | undefined): boolean {
  if (ct === undefined || ct === '') return true; // some firmwares omit it; the parser decides
  return /(^|\/|\+)(soap\+xml|xml)\b/i.test(ct.split(';')[0]!.trim());
}
