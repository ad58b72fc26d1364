/**
 * Independent steps with at most `limit` in flight: as quick as the slowest chain allows, without
 * flooding the tables. On the first failure no new step starts, the steps in flight finish, and
 * then the failure is thrown: nothing is left running behind a round that gave up.
 */
export async function inPool<T, R>(items: readonly T[], limit: number, step: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await step(items[index]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
