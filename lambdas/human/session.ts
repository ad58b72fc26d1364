/**
 * The human's session and CSRF tokens. A session cookie is an expiry and an id, signed with a key
 * derived from the operator token (so changing the token logs everyone out); the id names the
 * session kept on the server, which signing out deletes. Every form carries a CSRF token bound to
 * the session (or, before login, to a random cookie that the form must echo). Cookies are
 * HttpOnly and SameSite=Strict, and Secure over HTTPS.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'syntropism_session';
export const LOGIN_COOKIE = 'syntropism_login';
export const SESSION_SECONDS = 12 * 3600;

const keyOf = (operatorToken: string) => createHmac('sha256', 'syntropism human session').update(operatorToken).digest();
const sign = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('base64url');

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A new session: its id (to keep on the server), its expiry, and the signed cookie value. */
export function newSession(operatorToken: string, now: number): { id: string; expiresAt: number; value: string } {
  const id = randomBytes(16).toString('base64url');
  const expiresAt = now + SESSION_SECONDS * 1000;
  const body = `${expiresAt}.${id}`;
  return { id, expiresAt, value: `${body}.${sign(keyOf(operatorToken), body)}` };
}

/** The id of the session a cookie names, if the cookie is genuine and unexpired (the server must still know it). */
export function sessionIdOf(value: string | undefined, operatorToken: string, now: number): string | undefined {
  if (!value) return undefined;
  const parts = value.split('.');
  if (parts.length !== 3) return undefined;
  const [expires, id, mac] = parts as [string, string, string];
  return same(mac, sign(keyOf(operatorToken), `${expires}.${id}`)) && Number(expires) > now ? id : undefined;
}

/** The CSRF token of a session (or of a pre-login cookie): forms must send it back. */
export function csrfToken(bound: string, operatorToken: string): string {
  return sign(keyOf(operatorToken), `csrf.${bound}`);
}

export function validCsrf(token: string | undefined, bound: string | undefined, operatorToken: string): boolean {
  return token !== undefined && bound !== undefined && same(token, csrfToken(bound, operatorToken));
}

export const newLoginNonce = () => randomBytes(16).toString('base64url');

export function cookie(name: string, value: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${options.maxAgeSeconds}${options.secure ? '; Secure' : ''}`;
}

export function readCookies(cookies: string[] | undefined): Map<string, string> {
  const jar = new Map<string, string>();
  for (const c of cookies ?? []) {
    const at = c.indexOf('=');
    if (at > 0) jar.set(c.slice(0, at).trim(), c.slice(at + 1).trim());
  }
  return jar;
}
