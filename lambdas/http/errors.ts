/**
 * One JSON error shape for every failure: `{"error": {"code", "message"}}`, with the status the
 * code implies. Unknown errors become a 500 whose details stay in the log, not the response.
 */
import { logLine } from '../log.js';
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
  UPSTREAM: 502,
};

/** The HTTP status of a domain error. */
export function statusOf(err: DomainError): number {
  return err instanceof IdempotencyMismatchError ? 422 : STATUS[err.code];
}

/** The `type` OpenAI's clients expect beside each code, for the OpenAI-compatible routes. */
const OPENAI_TYPE: Record<ErrorCode, string> = {
  VALIDATION: 'invalid_request_error',
  UNAUTHORIZED: 'authentication_error',
  INSUFFICIENT_FUNDS: 'insufficient_quota',
  FORBIDDEN: 'permission_error',
  NOT_FOUND: 'not_found_error',
  CONFLICT: 'conflict_error',
  RATE_LIMITED: 'rate_limit_error',
  UPSTREAM: 'api_error',
};

export function errorResponse(err: unknown, options: { openai?: boolean } = {}): APIGatewayProxyStructuredResultV2 {
  if (err instanceof DomainError) {
    if (err instanceof LedgerIntegrityError) logLine('ERROR', 'ledger integrity', { error: err });
    const retryAfter = err.details?.retryAfterSeconds;
    const openai = options.openai ? { type: OPENAI_TYPE[err.code], param: typeof err.details?.field === 'string' ? err.details.field : null } : {};
    const response = json(statusOf(err), { error: { code: err.code, message: err.message, ...openai } });
    return typeof retryAfter === 'number' ? { ...response, headers: { ...response.headers, 'retry-after': String(retryAfter) } } : response;
  }
  // middy's own HTTP errors (the JSON body parser's) are the caller's fault.
  const http = err as { statusCode?: number; expose?: boolean };
  if (typeof http.statusCode === 'number' && http.statusCode >= 400 && http.statusCode < 500) {
    return json(400, { error: { code: 'VALIDATION', message: 'the request body must be valid JSON', ...(options.openai ? { type: OPENAI_TYPE.VALIDATION, param: null } : {}) } });
  }
  logLine('ERROR', 'unhandled error', { error: err });
  return json(500, { error: { code: 'INTERNAL', message: 'internal error' } });
}

export function jsonErrors(options: { openai?: boolean } = {}): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: (request) => {
      request.response = errorResponse(request.error, options);
    },
  };
}
