/** What a function writes to stdout: the chunks as written, or the JSON lines CloudWatch would read (log lines, embedded metrics). */
import { vi } from 'vitest';

export async function stdoutOf(fn: () => unknown): Promise<string[]> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return written;
}

export async function jsonLinesOf(fn: () => unknown): Promise<Record<string, unknown>[]> {
  return (await stdoutOf(fn))
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
