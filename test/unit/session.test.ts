/** The human page's session cookies and CSRF tokens (lambdas/human/session.ts). */
import { describe, expect, it } from 'vitest';
import { cookie, csrfToken, newSession, readCookies, SESSION_SECONDS, sessionIdOf, validCsrf } from '../../lambdas/human/session.js';

const TOKEN = 'the-operator-token';
const NOW = 1_800_000_000_000;

describe('session cookies', () => {
  it('name their session until they expire', () => {
    const session = newSession(TOKEN, NOW);
    expect(session.expiresAt).toBe(NOW + SESSION_SECONDS * 1000);
    expect(sessionIdOf(session.value, TOKEN, NOW)).toBe(session.id);
    expect(sessionIdOf(session.value, TOKEN, session.expiresAt - 1)).toBe(session.id);
    expect(sessionIdOf(session.value, TOKEN, session.expiresAt)).toBeUndefined();
  });

  it('are worthless when forged, tampered with, or signed under another operator token', () => {
    const session = newSession(TOKEN, NOW);
    const [expires, id, mac] = session.value.split('.') as [string, string, string];
    expect(sessionIdOf(`${Number(expires) + 1000}.${id}.${mac}`, TOKEN, NOW)).toBeUndefined(); // a longer life
    expect(sessionIdOf(`${expires}.other.${mac}`, TOKEN, NOW)).toBeUndefined(); // another session
    expect(sessionIdOf(`${expires}.${id}.${mac.slice(1)}`, TOKEN, NOW)).toBeUndefined();
    expect(sessionIdOf(session.value, 'a-new-operator-token', NOW)).toBeUndefined(); // a changed token signs everyone out
    expect(sessionIdOf('garbage', TOKEN, NOW)).toBeUndefined();
    expect(sessionIdOf(undefined, TOKEN, NOW)).toBeUndefined();
  });

  it('are HttpOnly and SameSite=Strict, and Secure over HTTPS', () => {
    expect(cookie('c', 'v', { secure: true, maxAgeSeconds: 60 })).toBe('c=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure');
    expect(cookie('c', 'v', { secure: false, maxAgeSeconds: 0 })).not.toContain('Secure');
    expect(readCookies(['a=1', ' b = x=y ', 'broken'])).toEqual(new Map([['a', '1'], ['b', 'x=y']]));
  });
});

describe('CSRF tokens', () => {
  it('are bound to their session and to the operator token', () => {
    const a = newSession(TOKEN, NOW).value;
    const b = newSession(TOKEN, NOW).value;
    expect(validCsrf(csrfToken(a, TOKEN), a, TOKEN)).toBe(true);
    expect(validCsrf(csrfToken(a, TOKEN), b, TOKEN)).toBe(false);
    expect(validCsrf(csrfToken(a, 'another-token'), a, TOKEN)).toBe(false);
    expect(validCsrf(undefined, a, TOKEN)).toBe(false);
    expect(validCsrf(csrfToken(a, TOKEN), undefined, TOKEN)).toBe(false);
  });
});
