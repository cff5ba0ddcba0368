import { z } from 'zod';

/** One message from the page. Everything else on the socket is refused. */
export const ClientMessage = z.object({
  kind: z.literal('call'),
  id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  name: z.string().max(200),
  // JSON drops `undefined`: a verb without input arrives without the key.
  input: z.unknown().optional(),
});

/** Largest message we read from the page; QR images are decoded in the renderer, so calls stay small. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
