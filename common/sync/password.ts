/**
 * What a new password must not contain to travel safely over ONVIF: some
 * cameras store the XML-escaped text literally (`Pass&2026` becomes
 * `Pass&amp;2026`) and are left with a password nobody knows (DOMAIN.md), so
 * `&`, `<` and `>` are refused before anything is sent. `"` and `'` need no
 * escaping in element text and are sent as they are.
 */
const ONVIF_FORBIDDEN = ['&', '<', '>'] as const;

/** A plain-words reason the password cannot be sent over ONVIF, or undefined when it can. */
export function onvifPasswordProblem(password: string): string | undefined {
  const found = ONVIF_FORBIDDEN.filter((c) => password.includes(c));
  if (!found.length) return undefined;
  return (
    `The new password contains ${found.map((c) => `"${c}"`).join(' and ')}, which some cameras store in escaped form ` +
    `(for "&": "&amp;") over ONVIF, leaving them with a password nobody knows. Choose a password without & < >.`
  );
}
