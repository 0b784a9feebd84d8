/** Bad input (flag, file, environment): the CLI prints `ackscope: <message>` and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** One line, whatever the message holds (stderr contract: one line per bad input). */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
