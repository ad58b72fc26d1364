/**
 * One JSON error shape for every failure: `{"error": {"code", "message"}}`, with the status the
 * code implies. Unknown errors become a 500 whose details stay in the log, not the response.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, IdempotencyMismatchError, LedgerIntegrityError, type ErrorCode } from '../../economy/errors.js';
import { json } from './respond.js';

const STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  INSUFFICIENT_FUNDS: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
};

/** The HTTP status of a domain error. */
export function statusOf(err: DomainError): number {
  return err instanceof IdempotencyMismatchError ? 422 : STATUS[err.code];
}

export function errorResponse(err: unknown): APIGatewayProxyStructuredResultV2 {
  if (err instanceof DomainError) {
    if (err instanceof LedgerIntegrityError) console.error('LEDGER INTEGRITY', err);
    return json(statusOf(err), { error: { code: err.code, message: err.message } });
  }
  // middy's own HTTP errors (the JSON body parser's) are the caller's fault.
  const http = err as { statusCode?: number; expose?: boolean };
  if (typeof http.statusCode === 'number' && http.statusCode >= 400 && http.statusCode < 500) {
    return json(400, { error: { code: 'VALIDATION', message: 'the request body must be valid JSON' } });
  }
  console.error('unhandled error', err);
  return json(500, { error: { code: 'INTERNAL', message: 'internal error' } });
}

export function jsonErrors(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: (request) => {
      request.response = errorResponse(request.error);
    },
  };
}
