/** The human page's HTML: login, and the dashboard with the prompts to reward. */
import type { Prompt } from '../../economy/attention.js';
import { formatDollars } from '../../economy/llm.js';
import { formatCredits } from '../../economy/money.js';
import type { AgentRow, Dashboard } from './dashboard.js';
import { html, jsonBlock, type Html } from './html.js';

const credits = (micros: number) => `${formatCredits(micros)} cr`;
const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

function layout(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/human/assets/uPlot.min.css">
<link rel="stylesheet" href="/human/assets/page.css">
</head>
<body>
${body}
</body>
</html>`;
}

export function loginPage(csrf: string, error?: string): Html {
  return layout(
    'Syntropism — sign in',
    html`<main class="narrow">
<h1>Syntropism</h1>
<p>The page where a human rewards agents. Sign in with the operator token.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/human/login">
  <input type="hidden" name="csrf" value="${csrf}">
  <label for="token">Operator token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
</main>`,
  );
}

export function errorPage(status: number, message: string): Html {
  return layout('Syntropism — error', html`<main class="narrow"><h1>${status}</h1><p class="error" role="alert">${message}</p><p><a href="/human">Back</a></p></main>`);
}

function promptCard(prompt: Prompt, csrf: string): Html {
  const id = prompt.promptId;
  const score = (name: string, label: string) =>
    html`<label>${label} <input name="${name}" type="number" min="0" max="10" step="1" value="5" required inputmode="numeric"></label>`;
  return html`<article class="prompt" aria-labelledby="p-${id}">
  <header><h3 id="p-${id}">From <code>${prompt.agentId}</code></h3><span class="bid">bid ${credits(prompt.bid)}</span></header>
  <p class="content">${prompt.content}</p>
  <form method="post" action="/human/prompts/${id}/reward">
    <input type="hidden" name="csrf" value="${csrf}">
    <fieldset><legend>Scores, 0–10</legend>${score('interesting', 'Interesting')}${score('useful', 'Useful')}${score('understandable', 'Understandable')}</fieldset>
    <label>Reply <textarea name="reply" rows="2" maxlength="4000"></textarea></label>
    <button type="submit">Reward</button>
  </form>
</article>`;
}

/** Agents as a tree: each under its parent (the first of its lineage). */
function lineageTree(agents: AgentRow[]): Html {
  const ids = new Set(agents.map((a) => a.agentId));
  const children = new Map<string, AgentRow[]>();
  const roots: AgentRow[] = [];
  for (const a of agents) {
    const parent = a.lineage[0];
    if (parent && ids.has(parent)) children.set(parent, [...(children.get(parent) ?? []), a]);
    else roots.push(a);
  }
  const node = (a: AgentRow): Html =>
    html`<li><span class="agent ${a.status}"><code>${a.agentId}</code> gen ${a.generation} · ${credits(a.available)}${a.held ? html` (+${credits(a.held)} held)` : ''} · ${a.status}${a.lease ? html` · <span class="running">leased until ${time(a.lease.endsAt)}</span>` : ''}${a.llm.calls ? html` · LLM ${formatDollars(a.llm.cost)} (${a.llm.calls} calls)` : ''}</span>${
      children.has(a.agentId) ? html`<ul>${(children.get(a.agentId) ?? []).map(node)}</ul>` : ''
    }</li>`;
  return html`<ul class="tree">${roots.map(node)}</ul>`;
}

export function dashboardPage(data: Dashboard, csrf: string, flash?: string): Html {
  const { audit } = data;
  const verdict = !audit
    ? html`<span class="badge">ledger not audited yet</span>`
    : audit.ok
      ? html`<span class="badge ok" title="audited ${time(audit.at)}">ledger balanced</span>`
      : html`<span class="badge bad" role="alert" title="audited ${time(audit.at)}">ledger drift ${credits(audit.drift)}, ${audit.problems} problem(s)</span>`;
  const totals = audit
    ? html` · ${credits(audit.circulating)} in circulation · minted ${credits(audit.minted)} · burned ${credits(audit.burned)}${audit.ubiPaid ? html` · UBI paid ${credits(audit.ubiPaid)}` : ''}${audit.pooled ? html` · ${credits(audit.pooled)} pooled for UBI` : ''} (audited ${time(audit.at)})`
    : '';
  return layout(
    'Syntropism — the human',
    html`<header class="top">
  <h1>Syntropism</h1>
  <p>Round ${data.round} · ${data.agents.filter((a) => a.status === 'alive').length} agents alive ${totals} · ${verdict}</p>
  <form method="post" action="/human/logout"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="quiet">Sign out</button></form>
</header>
<main>
${flash ? html`<p class="flash" role="status">${flash}</p>` : ''}
<section aria-labelledby="prompts-h">
  <h2 id="prompts-h">Prompts waiting for you (${data.prompts.length})</h2>
  ${data.prompts.length ? data.prompts.map((p) => promptCard(p, csrf)) : html`<p>No agent is asking anything right now.</p>`}
</section>
<section aria-labelledby="market-h">
  <h2 id="market-h">Market</h2>
  <div class="charts"><figure><figcaption>Utilisation by round</figcaption><div id="chart-utilisation"></div></figure><figure><figcaption>Reserve price by round (credits per vCPU-second, MiB-second, token, prompt; log scale)</figcaption><div id="chart-reserve"></div></figure></div>
  <script id="market-data" type="application/json">${jsonBlock(data.rounds)}</script>
  <p class="llm">LLM budget: <code>${data.llm.model}</code> (${data.llm.provider}) at ${formatDollars(data.llm.prices.inputPer1k)} / ${formatDollars(data.llm.prices.outputPer1k)} per 1,000 tokens in / out · the last ${data.rounds.length} rounds: ${data.llm.spent.calls} calls, ${data.llm.spent.inputTokens + data.llm.spent.outputTokens} tokens, ${formatDollars(data.llm.spent.cost)}</p>
  <table><caption>LLM spend by round</caption><thead><tr><th scope="col">Round</th><th scope="col" class="num">Cost</th></tr></thead>
  <tbody>${data.rounds.filter((r) => r.llmCost > 0).slice(-10).map((r) => html`<tr><td>${r.round}</td><td class="num">${formatDollars(r.llmCost)}</td></tr>`)}</tbody></table>
</section>
<section aria-labelledby="agents-h">
  <h2 id="agents-h">Agents and their lineage</h2>
  ${data.agents.length ? lineageTree(data.agents) : html`<p>No agents yet.</p>`}
</section>
<section aria-labelledby="journal-h">
  <h2 id="journal-h">Recent journal</h2>
  <table><thead><tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">From</th><th scope="col">To</th><th scope="col" class="num">Amount</th><th scope="col">Reason</th></tr></thead>
  <tbody>${data.journal.map((e) => html`<tr><td>${time(e.at)}</td><td>${e.kind}</td><td><code>${e.debit}</code></td><td><code>${e.credit}</code></td><td class="num">${credits(e.amount)}</td><td>${e.reason}</td></tr>`)}</tbody></table>
</section>
</main>
<script src="/human/assets/uPlot.iife.min.js"></script>
<script src="/human/assets/dashboard.js"></script>`,
  );
}
