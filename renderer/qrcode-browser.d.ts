// Types of qrcode's browser build, the one Vite bundles into the page (through
// the package's "browser" field). @types/qrcode describes the Node build and
// pulls Node's types (Buffer, process) into every program that imports it, so
// tsconfig.renderer.json maps 'qrcode' here instead. Only what the page uses.
export interface QRCodeToDataURLOptions {
  errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H';
  margin?: number;
  scale?: number;
  width?: number;
  color?: { dark?: string; light?: string };
}
export function toDataURL(text: string, options?: QRCodeToDataURLOptions): Promise<string>;
declare const QRCode: { toDataURL: typeof toDataURL };
export default QRCode;
