/**
 * In place of the SDK's event-stream support (`@smithy/core/event-streams`, about 19 kB) in the
 * bundles of `lambdas/` (aliased at bundling in infra/handler-function.ts): the one SDK client those
 * bundles carry is DynamoDB's, which has no event-stream operation, and the SDK loads this module
 * only for one (`HttpProtocol.loadEventStreamCapability`). Should it ever be asked for, it says why.
 */
const notBundled = (): never => {
  throw new Error('event streams are not bundled in this Lambda (wiring/lambda-event-streams.ts)');
};

export const EventStreamSerde = notBundled;
export const eventStreamSerdeProvider = notBundled;
