import { z } from 'zod';
import { rowKey } from './report';

/** An ONVIF device service URL the technician chose; credentials go nowhere else. */
const Xaddr = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without credentials in it');

/**
 * One account on one camera that a sync run changes: the only target type
 * (contract input, CLI targets file, engine, journal). A camera with two
 * accounts is two targets with the same xaddr.
 */
export const SyncTarget = z.object({
  deviceId: z.string().max(200).optional(),
  xaddr: Xaddr,
  username: z.string().min(1).max(64),
  /** Technician's explicit per-device permission for weaker sign-in methods. */
  allowBasic: z.boolean().optional(),
  allowPasswordText: z.boolean().optional(),
});
export type SyncTarget = z.infer<typeof SyncTarget>;

/** A target's row key: one row per account on a device. */
export function targetKey(t: Pick<SyncTarget, 'xaddr' | 'username'>): string {
  return rowKey(t.xaddr, t.username);
}
