/** Structured log lines: one JSON object each, in Powertools Logger's shape, errors with their stack. */
import { describe, expect, it } from 'vitest';
import { logLine } from '../../lambdas/log.js';
import { stdoutOf } from '../support/stdout.js';

describe('logLine', () => {
  it('writes one JSON line with level, message, timestamp, service and the fields, an error as its name, message and stack', async () => {
    const cause = new Error('socket closed');
    const [line, ...rest] = await stdoutOf(() => logLine('ERROR', 'unhandled error', { error: new Error('boom', { cause }), routeKey: 'GET /me' }, 'syntropism-api'));
    expect(rest).toEqual([]);
    expect(line!.endsWith('\n') && !line!.slice(0, -1).includes('\n')).toBe(true);
    const parsed = JSON.parse(line!) as Record<string, any>;
    expect(parsed).toMatchObject({ level: 'ERROR', message: 'unhandled error', service: 'syntropism-api', routeKey: 'GET /me', error: { name: 'Error', message: 'boom', cause: { message: 'socket closed' } } });
    expect(parsed.error.stack).toContain('log.test.ts');
    expect(Number.isNaN(Date.parse(parsed.timestamp as string))).toBe(false);
  });
});
