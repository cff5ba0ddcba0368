import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** SOAP plumbing of the simulated device. Deliberately separate from main/onvif (see DEVELOPERS.md). */

export const NS = {
  env: 'http://www.w3.org/2003/05/soap-envelope',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  ter: 'http://www.onvif.org/ver10/error',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
} as const;

export type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  // Clients use any prefix (or a default namespace); match local names only.
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Keep '00123' a string: passwords made of digits must not become numbers.
  parseTagValue: false,
  // Passwords with spaces must reach the password rule untouched.
  trimValues: false,
  htmlEntities: true,
  isArray: (name) => name === 'User',
});

export interface ParsedRequest {
  header: XmlNode | undefined;
  operation: string;
  op: XmlNode;
}

/** Returns undefined for anything that is not a well-formed SOAP envelope with one body operation. */
export function parseRequest(xml: string): ParsedRequest | undefined {
  if (XMLValidator.validate(xml) !== true) return undefined;
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    return undefined;
  }
  const env = asNode(asNode(doc)?.['Envelope']);
  const body = asNode(env?.['Body']);
  if (!body) return undefined;
  const operation = Object.keys(body).find((k) => !k.startsWith('@') && k !== '#text');
  if (!operation) return undefined;
  return { header: asNode(env?.['Header']), operation, op: asNode(body[operation]) ?? {} };
}

export function asNode(v: unknown): XmlNode | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as XmlNode) : undefined;
}

/** Text content of an element that may or may not carry attributes. */
export function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  const n = asNode(v);
  if (n) {
    const t = n['#text'];
    return typeof t === 'string' ? t : typeof t === 'number' ? String(t) : '';
  }
  return undefined;
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function envelope(body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<env:Envelope xmlns:env="${NS.env}" xmlns:tds="${NS.tds}" xmlns:tt="${NS.tt}" xmlns:ter="${NS.ter}" xmlns:trt="${NS.trt}">` +
    `<env:Header/><env:Body>${body}</env:Body></env:Envelope>`
  );
}

/** code: 'Sender' | 'Receiver'; subcodes: local names under ter:, outermost first. */
export function faultXml(code: 'Sender' | 'Receiver', subcodes: string[], reason: string): string {
  let sub = '';
  for (let i = subcodes.length - 1; i >= 0; i--) {
    sub = `<env:Subcode><env:Value>ter:${subcodes[i]}</env:Value>${sub}</env:Subcode>`;
  }
  return envelope(
    `<env:Fault><env:Code><env:Value>env:${code}</env:Value>${sub}</env:Code>` +
      `<env:Reason><env:Text xml:lang="en">${escapeXml(reason)}</env:Text></env:Reason></env:Fault>`,
  );
}

export class SoapFault extends Error {
  constructor(
    readonly status: number,
    readonly code: 'Sender' | 'Receiver',
    readonly subcodes: string[],
    reason: string,
  ) {
    super(reason);
  }
  xml(): string {
    return faultXml(this.code, this.subcodes, this.message);
  }
}
