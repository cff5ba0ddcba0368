/**
 * Security codes from support: 8 letters/digits, often shown grouped as
 * XXXX-XXXX. Technicians copy them from a phone, so spaces and dashes are
 * tolerated and case is ignored; anything else is refused before the NVR counts
 * it as a wrong entry (5 wrong entries lock code entry).
 */
export const CODE_LENGTH = 8;

export type CodeCheck = { ok: true; code: string } | { ok: false; message: string };

export function checkSecurityCode(input: string): CodeCheck {
  if (input.length > 64) return { ok: false, message: `A security code has ${CODE_LENGTH} characters; this is far longer.` };
  const code = input.replace(/[\s-]/g, '').toUpperCase();
  if (!code) return { ok: false, message: 'Enter the security code from support’s reply.' };
  if (!/^[A-Z0-9]+$/.test(code)) return { ok: false, message: 'Only letters and digits (the code looks like K7QX-M2PD).' };
  if (code.length !== CODE_LENGTH) {
    return { ok: false, message: `The code has ${CODE_LENGTH} characters; you entered ${code.length}. Check the reply again.` };
  }
  return { ok: true, code };
}
