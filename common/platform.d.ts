// The web-platform globals common/ may use: the few that both of its runtimes
// (Node >= 20 and the renderer's Chromium) provide with the same behaviour.
// common/ is compiled with neither Node's types nor the DOM's
// (tsconfig.common.json), so anything else — Buffer, process, document,
// window — is a type error there. Add a global here only if both runtimes have it.

declare class URL {
  constructor(url: string, base?: string | URL);
  hash: string;
  host: string;
  hostname: string;
  href: string;
  readonly origin: string;
  password: string;
  pathname: string;
  port: string;
  protocol: string;
  search: string;
  username: string;
  toString(): string;
}

declare class TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}

// `var`, not `const`: only a var is a property of globalThis (generator.ts reads globalThis.crypto).
// eslint-disable-next-line no-var
declare var crypto: {
  getRandomValues<T extends ArrayBufferView | null>(array: T): T;
};
