/**
 * Usage metering. A running agent's runtime reports what it used, at least every 10 s and at
 * exit, through a queue that delivers at least once; each report is applied exactly once (its
 * id is recorded in the same write), and usage is kept per lease.
 */
import { z } from 'zod';

export const usageReportSchema = z.strictObject({
  /** Unique per report: `<run id>-<sequence>`; a redelivered report has the same id. */
  reportId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/),
  agentId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  leaseId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  at: z.number().int().nonnegative(),
  /** CPU time used since the previous report, in microseconds. */
  cpuMicros: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** LLM tokens used since the previous report. */
  llmTokens: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** The highest resident memory seen so far by this run, in bytes. */
  peakMemoryBytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** True for the report sent as the run exits. */
  final: z.boolean().optional(),
});

export type UsageReport = z.infer<typeof usageReportSchema>;

export interface LeaseUsage {
  agentId: string;
  leaseId: string;
  cpuMicros: number;
  llmTokens: number;
  peakMemoryBytes: number;
  reports: number;
  lastReportAt: number;
  final: boolean;
}

export const emptyUsage = (agentId: string, leaseId: string): LeaseUsage => ({
  agentId,
  leaseId,
  cpuMicros: 0,
  llmTokens: 0,
  peakMemoryBytes: 0,
  reports: 0,
  lastReportAt: 0,
  final: false,
});

/** Adds one report to a lease's usage: counters add up, the peak is the highest seen. */
export function applyReport(usage: LeaseUsage, report: UsageReport): LeaseUsage {
  return {
    ...usage,
    cpuMicros: usage.cpuMicros + report.cpuMicros,
    llmTokens: usage.llmTokens + report.llmTokens,
    peakMemoryBytes: Math.max(usage.peakMemoryBytes, report.peakMemoryBytes),
    reports: usage.reports + 1,
    lastReportAt: Math.max(usage.lastReportAt, report.at),
    final: usage.final || report.final === true,
  };
}
