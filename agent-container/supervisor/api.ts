/** The supervisor's side of the API: the run's own routes, with the run's supervisor token. */
import type { Bundle } from '../../economy/resources.js';
import type { WorkspaceUrls } from './workspace-sync.js';

export type RunClock = { runsUntil: number; leaseId: string; bundle: Bundle } | { runsUntil: null };

export class SupervisorApi implements WorkspaceUrls {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** When the run ends now, given the end the supervisor keeps. */
  clock = (endsAt: number, timeoutMs = 5000) => this.post<RunClock>('/run/renewal', { endsAt }, timeoutMs);
  usage = (report: { seq: number; cpuMicros: number; peakMemoryBytes: number; final?: boolean }) => this.post<unknown>('/run/usage', report);
  downloads = async () => (await this.post<{ downloads: { path: string; url: string }[] }>('/run/workspace', {})).downloads;
  uploads = async (paths: string[]) => (await this.post<{ uploads: { path: string; url: string }[] }>('/run/workspace', { upload: paths })).uploads;

  private async post<T>(path: string, body: unknown, timeoutMs = 30_000): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }
}
