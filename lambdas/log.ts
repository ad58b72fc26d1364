/**
 * Structured logs: one JSON object per line, in Powertools Logger's shape (`level`, `message`,
 * `timestamp`, `service`, then the fields; an error as its name, message and stack), which
 * CloudWatch Logs Insights reads field by field. Written directly rather than through the Logger,
 * whose 18 kB would take the largest bundles over their 300 kB (docs/BENCHMARKS.md).
 */
export type Level = 'INFO' | 'WARN' | 'ERROR';

export function logLine(level: Level, message: string, fields: Record<string, unknown> = {}, service = 'syntropism-api'): void {
  const line = { level, message, timestamp: new Date().toISOString(), service, ...fields };
  process.stdout.write(`${JSON.stringify(line, (_key, value: unknown) => (value instanceof Error ? errorFields(value) : value))}\n`);
}

function errorFields(err: Error): Record<string, unknown> {
  return { name: err.name, message: err.message, stack: err.stack, ...(err.cause !== undefined ? { cause: err.cause } : {}) };
}
