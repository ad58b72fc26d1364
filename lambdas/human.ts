/**
 * The human page: one Lambda behind API Gateway (and the local gateway) for
 *   GET  /human                          the dashboard, or the sign-in form
 *   POST /human/login, /human/logout     the operator token in, an HttpOnly session cookie out
 *   POST /human/prompts/{id}/reward      the score form: reward a prompt
 *   GET  /human/assets/{name}            stylesheet, chart library and chart script
 * Every form carries a CSRF token (403 without it); a form post without a session gets 401.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { DomainError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../economy/errors.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { isOperatorToken } from './http/auth.js';
import { statusOf } from './http/errors.js';
import { asset } from './human/assets.js';
import { loadDashboard } from './human/dashboard.js';
import type { Html } from './human/html.js';
import { dashboardPage, errorPage, loginPage } from './human/page.js';
import {
  cookie,
  csrfToken,
  LOGIN_COOKIE,
  newLoginNonce,
  newSession,
  readCookies,
  SESSION_COOKIE,
  SESSION_SECONDS,
  sessionIdOf,
  validCsrf,
} from './human/session.js';
import { rewardPrompt } from './rewards.js';

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function page(statusCode: number, body: Html, cookies: string[] = []): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS }, body: body.text, ...(cookies.length ? { cookies } : {}) };
}

const redirect = (location: string, cookies: string[] = []): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 303,
  headers: { location, ...SECURITY_HEADERS },
  ...(cookies.length ? { cookies } : {}),
});

const score = z.coerce.number().int().min(0).max(10);
const rewardForm = z.object({ interesting: score, useful: score, understandable: score, reply: z.string().max(4000).optional() });

export function makeHandler(deps: Deps) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const token = await deps.operatorToken();
    const now = deps.clock.now();
    const jar = readCookies(event.cookies);
    const session = jar.get(SESSION_COOKIE);
    const sessionId = sessionIdOf(session, token, now);
    const signedIn = sessionId !== undefined && (await deps.sessions.isOpen(sessionId, now));
    const secure = (event.headers['x-forwarded-proto'] ?? (event.requestContext.domainName.includes('amazonaws.com') ? 'https' : 'http')) === 'https';
    const form = () => new URLSearchParams(event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString() : event.body) : '');

    try {
      switch (event.routeKey) {
        case 'GET /human/assets/{name}': {
          const found = asset(event.pathParameters?.name ?? '');
          if (!found) throw new NotFoundError('asset', event.pathParameters?.name ?? '');
          return { statusCode: 200, headers: { 'content-type': found.type, 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' }, body: found.body };
        }
        case 'GET /human': {
          if (!signedIn) {
            const nonce = newLoginNonce();
            return page(200, loginPage(csrfToken(nonce, token)), [cookie(LOGIN_COOKIE, nonce, { secure, maxAgeSeconds: 3600 })]);
          }
          const flash = event.queryStringParameters?.done === 'rewarded' ? 'Rewarded. The agent has its credits and your reply.' : undefined;
          return page(200, dashboardPage(await loadDashboard(deps), csrfToken(session!, token), flash));
        }
        case 'POST /human/login': {
          const fields = form();
          const nonce = jar.get(LOGIN_COOKIE);
          if (!validCsrf(fields.get('csrf') ?? undefined, nonce, token)) throw new ForbiddenError('the sign-in form expired; load the page again');
          if (!isOperatorToken(fields.get('token') ?? '', token)) {
            const fresh = newLoginNonce();
            return page(401, loginPage(csrfToken(fresh, token), 'That is not the operator token.'), [cookie(LOGIN_COOKIE, fresh, { secure, maxAgeSeconds: 3600 })]);
          }
          const opened = newSession(token, now);
          await deps.sessions.open(opened.id, opened.expiresAt);
          return redirect('/human', [
            cookie(SESSION_COOKIE, opened.value, { secure, maxAgeSeconds: SESSION_SECONDS }),
            cookie(LOGIN_COOKIE, '', { secure, maxAgeSeconds: 0 }),
          ]);
        }
        case 'POST /human/logout': {
          if (!signedIn) throw new UnauthorizedError('not signed in');
          if (!validCsrf(form().get('csrf') ?? undefined, session, token)) throw new ForbiddenError('missing or wrong CSRF token');
          // Ended on the server: the cookie is worthless from now on, wherever a copy of it is.
          await deps.sessions.close(sessionId);
          return redirect('/human', [cookie(SESSION_COOKIE, '', { secure, maxAgeSeconds: 0 })]);
        }
        case 'POST /human/prompts/{id}/reward': {
          if (!signedIn) throw new UnauthorizedError('sign in first');
          const fields = form();
          if (!validCsrf(fields.get('csrf') ?? undefined, session, token)) throw new ForbiddenError('missing or wrong CSRF token');
          const parsed = rewardForm.safeParse(Object.fromEntries(fields));
          if (!parsed.success) throw new ValidationError('each score must be a whole number from 0 to 10');
          const { reply, ...scores } = parsed.data;
          const promptId = event.pathParameters?.id ?? '';
          await rewardPrompt(deps, { promptId, scores, ...(reply?.trim() ? { reply: reply.trim() } : {}), idempotencyKey: `human:${randomUUID()}` });
          return redirect('/human?done=rewarded');
        }
        default:
          throw new NotFoundError('page', event.rawPath);
      }
    } catch (err) {
      if (err instanceof DomainError) {
        const status = statusOf(err);
        return page(status, errorPage(status, err.message));
      }
      console.error('human page error', err);
      return page(500, errorPage(500, 'Something went wrong; the details are in the log.'));
    }
  };
}

export const handler = lazy(() => makeHandler(defaultDeps()));
