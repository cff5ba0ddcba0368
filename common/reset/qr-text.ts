import { isWellFormed } from './unicode';

/**
 * The text the NVR's QR code holds is sent to support verbatim, so we check it
 * rather than "fix" it: a silent change would make support refuse the request.
 * Only the line break a scanner app appends at the end is trimmed.
 */
export const QR_TEXT_MAX = 4296; // the largest QR code (40-L) holds 4,296 alphanumeric characters

export type QrTextProblem = 'empty' | 'too-long' | 'control-char' | 'broken-unicode';

export const QR_TEXT_MESSAGES: Record<QrTextProblem, string> = {
  empty: 'No text: scan or paste the text of the QR code shown on the NVR.',
  'too-long': `Too long for a QR code (more than ${QR_TEXT_MAX} bytes): this is not the NVR's QR text.`,
  'control-char': 'The text contains control characters (tabs, line breaks inside, escape codes). Scan the QR code again instead of editing it.',
  'broken-unicode': 'The text contains broken characters. Scan the QR code again.',
};

export type QrTextCheck =
  | { ok: true; text: string; warnings: string[] }
  | { ok: false; problem: QrTextProblem; message: string };

export function checkQrText(input: string): QrTextCheck {
  const fail = (problem: QrTextProblem): QrTextCheck => ({ ok: false, problem, message: QR_TEXT_MESSAGES[problem] });
  // Cheap guard before any regex runs over megabytes.
  if (input.length > QR_TEXT_MAX * 4) return fail('too-long');
  const text = input.replace(/[\r\n]+$/, '');
  if (text.trim().length === 0) return fail('empty');
  // Bytes, not characters: a QR code's capacity is in bytes (and this keeps the mailto under the allow-list's limit).
  if (new TextEncoder().encode(text).length > QR_TEXT_MAX) return fail('too-long');
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(text)) return fail('control-char');
  if (!isWellFormed(text)) return fail('broken-unicode');
  const warnings: string[] = [];
  if (text !== text.trim()) warnings.push('The text starts or ends with spaces; they are kept because support needs the exact text.');
  if (!/^https?:\/\//i.test(text)) warnings.push('NVR reset QR codes usually hold a web address; check that you scanned the NVR’s reset screen.');
  return { ok: true, text, warnings };
}
