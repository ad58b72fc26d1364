/**
 * One Lambda function's execution environment, as a worker thread with its own `process.env`
 * (the template's environment and the runtime's variables, nothing of the host's): it loads the
 * function's entry point from source (TypeScript, through tsx) and runs its `handler` for each
 * invocation the host posts. Plain JavaScript, so that the worker can start before tsx is loaded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();

const { entry, functionName, timeoutSeconds } = workerData;
let handler;
try {
  const module = await import(entry);
  handler = module.handler;
  if (typeof handler !== 'function') throw new Error(`${entry} exports no handler function`);
  parentPort.postMessage({ ready: true });
} catch (err) {
  parentPort.postMessage({ ready: false, error: describe(err) });
}

parentPort.on('message', async ({ id, event, requestId }) => {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const context = {
    awsRequestId: requestId,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(event, context);
    parentPort.postMessage({ id, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) });
  } catch (err) {
    parentPort.postMessage({ id, error: describe(err) });
  }
});

function describe(err) {
  return err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : { name: 'Error', message: String(err) };
}
