/**
 * Usage metering. A running agent's runtime reports what it used, at least every 10 s and at
 * exit, through a queue that delivers at least once; each report is applied exactly once (its
 * id is recorded in the same write), and usage is kept per lease.
 */
import * as z from 'zod/mini';

/** A count: a non-negative safe integer. */
const count = z.int().check(z.gte(0));

export const usageReportSchema = z.strictObject({
  /** Unique per report: `<run id>-<sequence>`; a redelivered report has the same id. */
  reportId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,100}$/)),
  agentId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  leaseId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  at: count,
  /** CPU time used since the previous report, in microseconds. */
  cpuMicros: count,
  /** LLM tokens used since the previous report. */
  llmTokens: count,
  /** The highest resident memory seen so far by this run, in bytes. */
  peakMemoryBytes: count,
  /** True for the report sent as the run exits. */
  final: z.optional(z.boolean()),
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
