/**
 * The registered email the NVR asks for. It never goes into a mail header by
 * the app, but it is typed by hand and copied around, so anything that could
 * smuggle a header (CR/LF, encoded CR/LF, several addresses) is refused with
 * a reason rather than silently cleaned.
 */
export type EmailProblem = 'empty' | 'too-long' | 'control-char' | 'header-injection' | 'several-addresses' | 'shape';

export const EMAIL_MESSAGES: Record<EmailProblem, string> = {
  empty: 'Enter the email address registered on the NVR.',
  'too-long': 'An email address has at most 254 characters.',
  'control-char': 'The address contains invisible control characters (line breaks, tabs). Retype it.',
  'header-injection': 'The address contains characters that could add mail headers (%0A, %0D, "?", "&"). Retype it.',
  'several-addresses': 'Enter exactly one address (no commas, semicolons or spaces).',
  shape: 'This does not look like an email address (name@example.com).',
};

export type EmailCheck = { ok: true; email: string } | { ok: false; problem: EmailProblem; message: string };

const SHAPE = /^[A-Za-z0-9.!#$%'*+/=^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function checkEmail(input: string): EmailCheck {
  const fail = (problem: EmailProblem): EmailCheck => ({ ok: false, problem, message: EMAIL_MESSAGES[problem] });
  const email = input.replace(/^[ ]+|[ ]+$/g, '');
  if (!email) return fail('empty');
  if (email.length > 254) return fail('too-long');
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(email)) return fail('control-char');
  if (/%0[ad]|[?&<>]|\\r|\\n/i.test(email)) return fail('header-injection');
  if (/[,;\s]/.test(email)) return fail('several-addresses');
  if (!SHAPE.test(email) || email.split('@')[0]!.length > 64 || /\.\./.test(email)) return fail('shape');
  return { ok: true, email };
}
