import { CAMERA_UNSAFE_CHARS, FORBIDDEN_CHARS, PASSWORD_MAX, PASSWORD_MIN } from '../../common/reset/password';

/**
 * The app's one password rule (common/reset/password.ts) in a line, said under
 * a new-password field before anything is typed: camera sync, initialising
 * devices. Built from the rule's own constants, so it cannot drift from it.
 */
export const PASSWORD_RULE_HINT = `${PASSWORD_MIN} to ${PASSWORD_MAX} characters, at least two of letters, digits and symbols; none of ${[...FORBIDDEN_CHARS, ...CAMERA_UNSAFE_CHARS].join(' ')} or spaces.`;
