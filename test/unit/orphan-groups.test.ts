/**
 * Cgroups left by processes that died before they could remove them are swept at the next start
 * (adapters/local-runner/limits.ts), so that test runs and restarts do not pile them up; groups of
 * living processes, and groups that still hold a process, stay.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepOrphanGroups } from '../../adapters/local-runner/limits.js';

/** Beyond any pid_max (2^22): no process has it. */
const DEAD_PID = 4_194_305;

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('orphan cgroups', () => {
  it('are removed with their empty run groups; the groups of living processes and other directories stay', () => {
    root = mkdtempSync(join(tmpdir(), 'cgroups-'));
    const dead = join(root, `syntropism-${DEAD_PID}`);
    mkdirSync(join(dead, 'AGENT-RUN1'), { recursive: true });
    mkdirSync(join(dead, 'AGENT-RUN2'), { recursive: true });
    const mine = join(root, `syntropism-${process.pid}`, 'AGENT-RUN3');
    const parents = join(root, `syntropism-${process.ppid}`, 'AGENT-RUN4');
    const other = join(root, 'system.slice');
    for (const dir of [mine, parents, other]) mkdirSync(dir, { recursive: true });

    expect(sweepOrphanGroups([root])).toBe(1);
    expect(existsSync(dead)).toBe(false);
    for (const dir of [mine, parents, other]) expect(existsSync(dir), dir).toBe(true);
  });
});
