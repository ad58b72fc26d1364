/**
 * Typed domain errors. Every failure the economy can report is one of these, with one of the
 * SPEC's error codes; the HTTP layer maps codes to status codes and the JSON error shape.
 */
export type ErrorCode =
  | 'VALIDATION'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'INSUFFICIENT_FUNDS'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'UPSTREAM';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VALIDATION', message, details);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'missing or invalid credential') {
    super('UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} not found`, { [what]: id });
  }
}

export class InsufficientFundsError extends DomainError {
  constructor(accountId: string, needed: number, available: number) {
    super('INSUFFICIENT_FUNDS', `account ${accountId} has ${available} µcr available, needs ${needed}`, {
      accountId,
      needed,
      available,
    });
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONFLICT', message, details);
  }
}

/** The same idempotency key was sent again with a different request (HTTP 422). */
export class IdempotencyMismatchError extends ConflictError {
  constructor(key: string) {
    super(`idempotency key ${key} was already used with a different request`, { idempotencyKey: key });
  }
}

/** Not now: `details.retryAfterSeconds` says when (HTTP 429 with Retry-After). */
export class RateLimitedError extends DomainError {
  constructor(message: string, details?: { retryAfterSeconds: number }) {
    super('RATE_LIMITED', message, details);
  }
}

/** A service the economy depends on (the LLM provider) failed; the request may be tried again (HTTP 502). */
export class UpstreamError extends DomainError {
  constructor(message: string) {
    super('UPSTREAM', message);
  }
}

/**
 * The ledger found its own books inconsistent (for example, a hold larger than the account's
 * held balance). This is never the caller's fault; it is reported loudly and the write is refused.
 */
export class LedgerIntegrityError extends ConflictError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(`ledger integrity: ${message}`, details);
  }
}
