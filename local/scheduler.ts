/**
 * The local stand-in for the EventBridge schedule: invokes a handler every `periodSeconds` with
 * an event carrying the scheduled time, as EventBridge does. Invocations never overlap: a slow
 * round delays the next firing instead of running beside it.
 */
export interface Scheduler {
  stop(): Promise<void>;
}

export function startScheduler(
  periodSeconds: number,
  invoke: (event: { time: string }) => Promise<unknown>,
  onError: (err: unknown) => void = (err) => {
    console.error('scheduled invocation failed', err);
  },
): Scheduler {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const periodMs = periodSeconds * 1000;

  const fire = () => {
    if (stopped) return;
    // Timers may fire a little early: name the firing by the nearest boundary, as EventBridge would.
    const scheduled = Math.round(Date.now() / periodMs) * periodMs;
    running = invoke({ time: new Date(scheduled).toISOString() })
      .then(() => undefined, onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(fire, periodMs - (Date.now() % periodMs));
      });
  };
  timer = setTimeout(fire, periodMs - (Date.now() % periodMs));
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
