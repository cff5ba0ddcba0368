import type { z } from 'zod';

/**
 * The records of a JSON-lines file that parse and match `schema`, in order;
 * every other non-blank line (torn by a crash, or of the wrong shape) is
 * skipped and counted, never trusted. Journals read back through this.
 */
export function parseJsonLines<S extends z.ZodType>(text: string, schema: S): { records: z.infer<S>[]; badLines: number } {
  const records: z.infer<S>[] = [];
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      badLines++;
      continue;
    }
    const parsed = schema.safeParse(data);
    if (parsed.success) records.push(parsed.data);
    else badLines++;
  }
  return { records, badLines };
}
