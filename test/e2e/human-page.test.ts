/**
 * The human page in a real headless Chromium (Debian's, driven by playwright-core): sign in with
 * the operator token, see an agent's pending prompt, score it, and see through the API that the
 * agent's balance rose by the minted reward. A screenshot is kept in test-artifacts/. Also over
 * plain HTTP: a form post without a session gets 401, one without the CSRF token 403.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leasedAgent, OPERATOR_TOKEN, SMALL_BUNDLE, startTestStack, type TestStack } from '../support/stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the browser test needs Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  stack = await startTestStack();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser.close();
  await stack.close();
});

describe('the human page', () => {
  it('lets a human sign in, score a prompt, and the agent is paid the reward', async () => {
    const agent = await leasedAgent(stack, { ...SMALL_BUNDLE, attention: 1 });
    const question = 'Which of my three ideas should I work on next: a market summary, a cheaper bid, or a poem?';
    expect((await stack.api.call('POST', '/prompts', { token: agent.credential, body: { content: question, bid: 1_000_000 } })).status).toBe(201);
    for (let i = 0; i < 3; i += 1) {
      stack.clock.advance(stack.deps.config.roundSeconds);
      await stack.oracle(); // some market history for the charts
    }
    const before = (await stack.api.call('GET', '/me', { token: agent.credential })).body.available;

    await stack.scheduledAudit();

    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    await page.goto(`${stack.gateway.url}/human`);
    await page.getByLabel('Operator token').fill('not the token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toBe('That is not the operator token.');
    await page.getByLabel('Operator token').fill(OPERATOR_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const card = page.getByRole('article').filter({ hasText: question });
    await card.waitFor();
    expect(await page.getByText('ledger balanced').isVisible()).toBe(true);
    await page.locator('#chart-utilisation canvas').waitFor();
    await page.locator('#chart-reserve canvas').waitFor();
    await card.getByLabel('Interesting').fill('9');
    await card.getByLabel('Useful').fill('6');
    await card.getByLabel('Understandable').fill('10');
    await card.getByLabel('Reply').fill('The market summary, please.');
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/human-page.png', fullPage: true });
    await card.getByRole('button', { name: 'Reward' }).click();

    expect(await page.getByRole('status').textContent()).toContain('Rewarded');
    expect(await page.getByRole('article').filter({ hasText: question }).count()).toBe(0);
    await page.screenshot({ path: 'test-artifacts/human-page-after-reward.png', fullPage: true });

    const reward = 25 * 50_000_000;
    const after = (await stack.api.call('GET', '/me', { token: agent.credential })).body.available;
    expect(after - before).toBe(reward);
    const [reply] = (await stack.api.call('GET', '/inbox', { token: agent.credential })).body.items;
    expect(reply).toMatchObject({ body: 'The market summary, please.', reward });
    await page.close();
  });

  it('refuses form posts without a session (401) or without the CSRF token (403)', async () => {
    const agent = await leasedAgent(stack, { ...SMALL_BUNDLE, attention: 1 });
    const { promptId } = (await stack.api.call('POST', '/prompts', { token: agent.credential, body: { content: 'hello?', bid: 1 } })).body;
    const post = (path: string, body: string, cookie?: string) =>
      fetch(`${stack.gateway.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
        body,
      });
    const form = 'interesting=5&useful=5&understandable=5';
    expect((await post(`/human/prompts/${promptId}/reward`, form)).status).toBe(401);

    // Sign in by hand: the login form's CSRF token and cookie, then the session cookie.
    const login = await fetch(`${stack.gateway.url}/human`);
    const loginCookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    expect(login.headers.getSetCookie()[0]).toMatch(/HttpOnly; SameSite=Strict/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await login.text())![1]!;
    expect((await post('/human/login', `token=${OPERATOR_TOKEN}`, loginCookie)).status).toBe(403);
    const signedIn = await post('/human/login', `csrf=${csrf}&token=${OPERATOR_TOKEN}`, loginCookie);
    expect(signedIn.status).toBe(303);
    const session = signedIn.headers.getSetCookie().find((c) => c.startsWith('syntropism_session='))!.split(';')[0]!;

    expect((await post(`/human/prompts/${promptId}/reward`, form, session)).status).toBe(403);
    expect((await post(`/human/prompts/${promptId}/reward`, `${form}&csrf=forged`, session)).status).toBe(403);
    const dashboard = await (await fetch(`${stack.gateway.url}/human`, { headers: { cookie: session } })).text();
    const sessionCsrf = /name="csrf" value="([^"]+)"/.exec(dashboard)![1]!;
    expect((await post(`/human/prompts/${promptId}/reward`, `interesting=11&useful=5&understandable=5&csrf=${sessionCsrf}`, session)).status).toBe(400);
    expect((await post(`/human/prompts/${promptId}/reward`, `${form}&csrf=${sessionCsrf}`, session)).status).toBe(303);
    expect((await post(`/human/prompts/${promptId}/reward`, `${form}&csrf=${sessionCsrf}`, session)).status).toBe(409);
    // A prompt id no prompt could have (and no database key would take) is the caller's error.
    expect((await post(`/human/prompts/${'x'.repeat(3000)}/reward`, `${form}&csrf=${sessionCsrf}`, session)).status).toBe(400);
    expect((await stack.api.call('GET', '/admin/audit', { token: OPERATOR_TOKEN })).body).toMatchObject({ ok: true, drift: 0 });

    // Signing out ends the session on the server: the same cookie, kept by anyone, no longer works.
    expect((await post('/human/logout', `csrf=${sessionCsrf}`, session)).status).toBe(303);
    expect((await post(`/human/prompts/${promptId}/reward`, `${form}&csrf=${sessionCsrf}`, session)).status).toBe(401);
    expect(await (await fetch(`${stack.gateway.url}/human`, { headers: { cookie: session } })).text()).toContain('operator token');
  });
});
