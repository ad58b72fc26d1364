/**
 * Usage metering from inside the agent's process: CPU time and peak resident memory of this
 * process, and the LLM tokens its API client was charged, sent as a report at least every 10 s
 * and once more at exit. Reports carry deltas and a unique id, so a redelivered one is applied once.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { UsageReport } from '../../economy/metering.js';

export interface MeterOptions {
  queueUrl: string;
  agentId: string;
  runId: string;
  /** The lease to charge (it changes when a renewal takes over). */
  leaseId: () => string;
  llmTokensUsed: () => number;
  sqs?: SQSClient;
}

export class Meter {
  private seq = 0;
  private lastCpuMicros = 0;
  private lastTokens = 0;
  private readonly sqs: SQSClient;

  constructor(private readonly options: MeterOptions) {
    // The endpoint comes from the environment (AWS_ENDPOINT_URL_SQS locally), not the queue URL's host.
    this.sqs = options.sqs ?? new SQSClient({ useQueueUrlAsEndpoint: false });
  }

  /** The next report: usage since the previous one. */
  next(final = false): UsageReport {
    const cpu = process.cpuUsage();
    const cpuMicros = cpu.user + cpu.system;
    const tokens = this.options.llmTokensUsed();
    this.seq += 1;
    const report: UsageReport = {
      reportId: `${this.options.runId}-${this.seq}`,
      agentId: this.options.agentId,
      leaseId: this.options.leaseId(),
      at: Date.now(),
      cpuMicros: cpuMicros - this.lastCpuMicros,
      llmTokens: tokens - this.lastTokens,
      // maxRSS is in kilobytes on Linux.
      peakMemoryBytes: process.resourceUsage().maxRSS * 1024,
      ...(final ? { final: true } : {}),
    };
    this.lastCpuMicros = cpuMicros;
    this.lastTokens = tokens;
    return report;
  }

  async send(final = false): Promise<void> {
    const report = this.next(final);
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.options.queueUrl, MessageBody: JSON.stringify(report) }));
  }
}
