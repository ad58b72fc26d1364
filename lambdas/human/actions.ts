/**
 * What the human page does for each of its routes, given the visit: who is signed in (a session
 * cookie signed with the operator token and open on the server) and the form it posted. Every
 * form carries a CSRF token (403 without it); a form post without a session gets 401.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { MAX_REPLY_LENGTH } from '../../economy/attention.js';
import { isOperatorToken } from '../../economy/credentials.js';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../economy/errors.js';
import type { Clock, SessionStore } from '../../economy/ports.js';
import { integerText, text } from '../http/schemas.js';
import { rewardPrompt, type RewardDeps } from '../rewards.js';
import { asset } from './assets.js';
import { loadDashboard, type DashboardDeps } from './dashboard.js';
import type { Html } from './html.js';
import { dashboardPage, loginPage } from './page.js';
import { cookie, csrfToken, LOGIN_COOKIE, newLoginNonce, newSession, readCookies, SESSION_COOKIE, SESSION_SECONDS, sessionIdOf, validCsrf } from './session.js';

export type HumanDeps = DashboardDeps & RewardDeps & { sessions: SessionStore; operatorToken: () => Promise<string>; clock: Clock };

export interface Visit {
  event: APIGatewayProxyEventV2;
  token: string;
  now: number;
  cookies: Map<string, string>;
  /** The session cookie's value, and the session it names when that is open. */
  session?: string;
  sessionId?: string;
  signedIn: boolean;
  /** Whether cookies must be `Secure` (the page is served over HTTPS). */
  secure: boolean;
}

export async function visitOf(deps: HumanDeps, event: APIGatewayProxyEventV2): Promise<Visit> {
  const token = await deps.operatorToken();
  const now = deps.clock.now();
  const cookies = readCookies(event.cookies);
  const session = cookies.get(SESSION_COOKIE);
  const sessionId = sessionIdOf(session, token, now);
  const signedIn = sessionId !== undefined && (await deps.sessions.isOpen(sessionId, now));
  const secure = (event.headers['x-forwarded-proto'] ?? (event.requestContext.domainName.includes('amazonaws.com') ? 'https' : 'http')) === 'https';
  return { event, token, now, cookies, ...(session ? { session } : {}), ...(sessionId ? { sessionId } : {}), signedIn, secure };
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

export function page(statusCode: number, body: Html, cookies: string[] = []): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS }, body: body.text, ...(cookies.length ? { cookies } : {}) };
}

const redirect = (location: string, cookies: string[] = []): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 303,
  headers: { location, ...SECURITY_HEADERS },
  ...(cookies.length ? { cookies } : {}),
});

const formOf = (event: APIGatewayProxyEventV2) => new URLSearchParams(event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString() : event.body) : '');

/** A signed-in visit whose form carries the session's CSRF token: its form. */
function signedInForm(visit: Visit, notSignedIn: string): URLSearchParams {
  if (!visit.signedIn) throw new UnauthorizedError(notSignedIn);
  const fields = formOf(visit.event);
  if (!validCsrf(fields.get('csrf') ?? undefined, visit.session, visit.token)) throw new ForbiddenError('missing or wrong CSRF token');
  return fields;
}

const loginForm = (visit: Visit, status: number, error?: string) => {
  const nonce = newLoginNonce();
  return page(status, loginPage(csrfToken(nonce, visit.token), error), [cookie(LOGIN_COOKIE, nonce, { secure: visit.secure, maxAgeSeconds: 3600 })]);
};

const score = integerText(0, 10);
const rewardForm = z.object({ interesting: score, useful: score, understandable: score, reply: z.optional(text(MAX_REPLY_LENGTH)) });

type Action = (deps: HumanDeps, visit: Visit) => Promise<APIGatewayProxyStructuredResultV2>;

/** A stylesheet or script of the page: public, so served without a visit (no token, no session read). */
export function serveAsset(event: APIGatewayProxyEventV2): APIGatewayProxyStructuredResultV2 {
  const found = asset(event.pathParameters?.name ?? '');
  if (!found) throw new NotFoundError('asset', event.pathParameters?.name ?? '');
  return { statusCode: 200, headers: { 'content-type': found.type, 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' }, body: found.body };
}

/** The page's other routes, each given the visit. */
export const ACTIONS: Record<string, Action> = {
  'GET /human': async (deps, visit) => {
    if (!visit.signedIn) return loginForm(visit, 200);
    const flash = visit.event.queryStringParameters?.done === 'rewarded' ? 'Rewarded. The agent has its credits and your reply.' : undefined;
    return page(200, dashboardPage(await loadDashboard(deps), csrfToken(visit.session!, visit.token), flash));
  },
  'POST /human/login': async (deps, visit) => {
    const fields = formOf(visit.event);
    if (!validCsrf(fields.get('csrf') ?? undefined, visit.cookies.get(LOGIN_COOKIE), visit.token)) throw new ForbiddenError('the sign-in form expired; load the page again');
    if (!isOperatorToken(fields.get('token') ?? '', visit.token)) return loginForm(visit, 401, 'That is not the operator token.');
    const opened = newSession(visit.token, visit.now);
    await deps.sessions.open(opened.id, opened.expiresAt);
    return redirect('/human', [cookie(SESSION_COOKIE, opened.value, { secure: visit.secure, maxAgeSeconds: SESSION_SECONDS }), cookie(LOGIN_COOKIE, '', { secure: visit.secure, maxAgeSeconds: 0 })]);
  },
  'POST /human/logout': async (deps, visit) => {
    signedInForm(visit, 'not signed in');
    // Ended on the server: the cookie is worthless from now on, wherever a copy of it is.
    await deps.sessions.close(visit.sessionId!);
    return redirect('/human', [cookie(SESSION_COOKIE, '', { secure: visit.secure, maxAgeSeconds: 0 })]);
  },
  'POST /human/prompts/{id}/reward': async (deps, visit) => {
    const parsed = rewardForm.safeParse(Object.fromEntries(signedInForm(visit, 'sign in first')));
    if (!parsed.success) throw new ValidationError('each score must be a whole number from 0 to 10');
    const { reply, ...scores } = parsed.data;
    const promptId = visit.event.pathParameters?.id ?? '';
    await rewardPrompt(deps, { promptId, scores, ...(reply?.trim() ? { reply: reply.trim() } : {}), idempotencyKey: `human:${randomUUID()}` });
    return redirect('/human?done=rewarded');
  },
};
