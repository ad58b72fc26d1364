/** What was started, stopped in reverse order at the end, each step apart so that one failure does not stop the rest. */
export class Teardown {
  private readonly steps: (() => Promise<void>)[] = [];
  stopping = false;

  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  /** For clients that only need closing. */
  close(client: { destroy(): void }): void {
    this.add(() => {
      client.destroy();
      return Promise.resolve();
    });
  }

  async run(log: (line: string) => void): Promise<void> {
    this.stopping = true;
    for (const step of this.steps.splice(0).reverse()) await step().catch((err: unknown) => log(`while stopping: ${String(err)}`));
  }
}
