/**
 * The one plain-record guard for parsed JSON (and parsed XML nodes): device
 * answers are hostile input, so a field is read only from an object that is
 * really an object — never from an array, null or a primitive.
 */

/** True for a plain object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value as a record, or undefined when it is not one (`obj(x)?.['field']`). */
export function obj(v: unknown): Record<string, unknown> | undefined {
  return isRecord(v) ? v : undefined;
}
