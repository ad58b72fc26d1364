// The genesis agent: the first strategy in the economy, and what every child starts from.
// It renews its lease before the current one ends, asks the human something while its lease holds
// attention (one question at a time), and reads the human's replies: with a model behind the LLM
// gateway it does what a reply asks, keeps the result as a data artifact and reports it in its
// next question; without one it acknowledges the reply. When rich and while the market has room, it spawns children with
// mutated strategy parameters and pays their first lease from the endowment it gives them; it
// keeps their credentials and bids for a child that lost its bid. It keeps a reserve for asking
// and spawning, but spends it on staying alive rather than let it burn at death. Its parameters
// are in strategy.json, which children inherit mutated; config.json (set by whoever owns its
// config right) overrides them.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const CREDIT = 1_000_000; // µcr
const PICO_PER_MICRO = 1_000_000;

async function readJson(path) {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return {};
  }
}

/** strategy.json, overridden by config.json (set by whoever owns this agent's config right). */
async function loadStrategy(ctx) {
  const strategy = await readJson(join(ctx.workspace, 'strategy.json'));
  const base = Object.keys(strategy).length ? strategy : await readJson(new URL('./strategy.json', import.meta.url));
  return { renewRounds: 3, ...base, ...(await readJson(join(ctx.workspace, 'config.json'))) };
}

/** The reserve of a bundle at the market's reserve prices (pico-credits per unit), in µcr. */
function reserveOf(bundle, seconds, market) {
  const r = market.resources;
  const pico =
    r.vcpu.reserve * bundle.vcpu * seconds +
    r.memoryMiB.reserve * bundle.memoryMiB * seconds +
    r.tokens.reserve * bundle.tokens +
    r.attention.reserve * bundle.attention;
  return Math.ceil(pico / PICO_PER_MICRO);
}

/** What a lease is worth to an agent with `available` µcr: a share of its wealth, never below the reserve with a margin. */
function valueOfLease(strategy, available, market) {
  const reserve = reserveOf(strategy.bundle, strategy.leaseSeconds, market);
  return Math.max(Math.ceil(reserve * strategy.minMarkup), Math.floor(available * strategy.valueShare));
}

function mutate(strategy, rate) {
  const jitter = (x) => x * (1 + (Math.random() * 2 - 1) * rate);
  return {
    ...strategy,
    reserveCredits: Math.max(1, Math.round(jitter(strategy.reserveCredits))),
    valueShare: Math.min(0.5, Math.max(0.001, jitter(strategy.valueShare))),
    minMarkup: Math.max(1, jitter(strategy.minMarkup)),
    spawnAboveCredits: Math.max(100, Math.round(jitter(strategy.spawnAboveCredits))),
    childShare: Math.min(0.8, Math.max(0.05, jitter(strategy.childShare))),
  };
}

/** A key per distinct request: a retry of the same request is applied once, a different one is new. */
function keyOf(...parts) {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 32);
}

/** New items in the inbox since the last look: the human's replies are kept as requests to answer. */
async function readInbox(ctx) {
  const { items } = await ctx.api.inbox();
  const seen = ctx.state.inboxSeen ?? '';
  const fresh = items.filter((item) => item.itemId > seen).reverse();
  if (fresh.length === 0) return;
  ctx.state.inboxSeen = fresh[fresh.length - 1].itemId;
  for (const item of fresh) {
    if (item.kind === 'reply' && ctx.state.prompt?.promptId === item.promptId) delete ctx.state.prompt;
    if (item.body.trim()) {
      ctx.state.requests = [...(ctx.state.requests ?? []), { from: item.from, body: item.body.slice(0, 500), reward: item.reward ?? 0, at: item.at }].slice(-5);
      ctx.log(`read a ${item.kind} from ${item.from}`);
    }
  }
}

/**
 * Works on the oldest request from the human with the model: the result is kept as a data artifact
 * and reported in the next prompt. Without a model (the offline provider) the request is kept, to be
 * acknowledged instead. One request per step; a refused call (the bucket is empty) waits.
 */
async function workOnRequests(ctx, me, market) {
  const request = (ctx.state.requests ?? []).find((r) => !r.noModel);
  if (!request || !me.lease || me.lease.bundle.tokens === 0) return;
  const facts = `Facts you may use: you are agent ${me.agentId} (generation ${me.generation}) in the Syntropism economy, holding ${(me.available / CREDIT).toFixed(2)} credits; it is round ${market.round}; the reserve prices are ${Object.entries(market.resources).map(([r, v]) => `${r} ${(v.reserve / 1e12).toExponential(2)} credits`).join(', ')}.`;
  let reply;
  try {
    reply = await ctx.api.llm(
      [
        { role: 'system', content: `Do what the human asks, well and briefly. ${facts}` },
        { role: 'user', content: request.body },
      ],
      300,
      { idempotencyKey: keyOf('work', request.at, request.body) },
    );
  } catch (err) {
    ctx.log('could not think now:', err.message);
    return;
  }
  if (reply.provider === 'offline') {
    request.noModel = true;
    return;
  }
  const content = `Request from the human: ${request.body}\n\nResult (${reply.model}):\n${reply.text}`;
  const artifact = await ctx.api.createArtifact('data', content, { idempotencyKey: keyOf('result', request.at, request.body) });
  ctx.state.requests = ctx.state.requests.filter((r) => r !== request);
  ctx.state.done = [...(ctx.state.done ?? []), { request: request.body, artifactId: artifact.artifactId, summary: reply.text.slice(0, 1200), model: reply.model }].slice(-3);
  ctx.log(`did what the human asked; result in artifact ${artifact.artifactId}`);
}

/** The next question, and what to forget once it is asked (the results and replies it reports). */
function composePrompt(ctx, me, market) {
  const facts = `I am agent ${me.agentId}, generation ${me.generation}, holding ${(me.available / CREDIT).toFixed(2)} credits in round ${market.round}.`;
  const done = ctx.state.done ?? [];
  const heard = (ctx.state.requests ?? []).filter((r) => r.noModel);
  const reported = () => {
    ctx.state.done = (ctx.state.done ?? []).filter((d) => !done.includes(d));
    ctx.state.requests = (ctx.state.requests ?? []).filter((r) => !heard.includes(r));
  };
  const ideas = [
    'What small, checkable task would be most useful to you today? I will bid for the resources to do it.',
    'Would you rather I spend my next lease summarising the market, or trying a cheaper bidding strategy?',
    'Rate how clear this message is: I am testing which phrasing earns rewards.',
  ];
  const idea = ideas[(ctx.state.prompts ?? 0) % ideas.length];
  const lines = [
    ...done.map((d) => `You asked: "${d.request}". I did it with ${d.model}:\n${d.summary}\n(The full result is my data artifact ${d.artifactId}.)`),
    ...heard.map((r) => `You wrote: "${r.body}". I have no model to act on it, but I read it, and it will shape what I ask next.`),
    idea,
    `(${facts})`,
  ];
  return { content: lines.join('\n\n').slice(0, 3900), reported };
}

/** The API as another agent whose credential this one holds (its child). */
function asAgent(credential) {
  const call = async (method, path, body) => {
    const res = await fetch(`${process.env.SYNTROPISM_API_URL}${path}`, {
      method,
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  };
  return { me: () => call('GET', '/me'), pending: () => call('GET', '/bids?state=pending'), bid: (bundle, amount) => call('POST', '/bids', { bundle, amount }) };
}

/** Looks after one child per step, in turn: a dormant child gets a bid. */
async function tendChildren(ctx, strategy, market, me, reserve) {
  const ids = Object.keys(ctx.state.children ?? {});
  if (ids.length === 0) return;
  const id = ids[(ctx.state.tended = ((ctx.state.tended ?? -1) + 1) % ids.length)];
  const credential = ctx.state.children[id];
  if (!credential) return;
  const child = asAgent(credential);
  const status = await child.me();
  if (status.status === 401 || status.status === 403) {
    ctx.state.children = Object.fromEntries(Object.entries(ctx.state.children).filter(([other]) => other !== id)); // it died (the route says 401; in AWS, the gate before it 403)
    return;
  }
  if (status.status !== 200 || status.body.lease) return;
  const pending = await child.pending();
  if (pending.status !== 200 || pending.body.items.length > 0) return;
  const bundle = { ...strategy.bundle, durationSeconds: strategy.leaseSeconds };
  const floor = reserveOf(strategy.bundle, strategy.leaseSeconds, market);
  const amount = Math.max(floor, Math.floor(status.body.available * strategy.valueShare));
  if (status.body.available >= amount) {
    const placed = await child.bid(bundle, amount);
    if (placed.status === 201) ctx.log(`bid ${amount} µcr for child ${id}, from its own credits`);
  } else if (me.available - amount >= reserve) {
    await ctx.api.bid(bundle, amount, { for: id, idempotencyKey: keyOf('sponsor', id, ctx.state.steps ?? 0) });
    ctx.log(`sponsored a bid of ${amount} µcr for child ${id}`);
  }
}

export async function step(ctx) {
  const strategy = await loadStrategy(ctx);
  // Bids before the agent: a bid seen pending here and won since shows up as a lease below.
  const pending = (await ctx.api.bids('pending')).items;
  const me = await ctx.api.me();
  const market = await ctx.api.market(1);
  const now = Date.now();
  const reserve = strategy.reserveCredits * CREDIT;
  await readInbox(ctx);
  await workOnRequests(ctx, me, market);

  // 1. Exist: bid for the next lease before this one ends, one bid at a time, with the whole
  //    balance if need be (credits left at death are burned).
  const own = pending.filter((b) => b.agentId === me.agentId);
  const runsUntil = me.runsUntil ?? 0;
  if (own.length === 0 && runsUntil - now < strategy.renewRounds * market.roundSeconds * 1000) {
    const floor = reserveOf(strategy.bundle, strategy.leaseSeconds, market);
    const amount = Math.min(valueOfLease(strategy, me.available, market), Math.max(floor, me.available - reserve));
    if (amount >= floor && amount <= me.available) {
      const bundle = { ...strategy.bundle, durationSeconds: strategy.leaseSeconds };
      try {
        await ctx.api.bid(bundle, amount, { idempotencyKey: keyOf('renew', me.lease?.leaseId ?? 'none', bundle, amount) });
        ctx.log(`bid ${amount} µcr for the next ${strategy.leaseSeconds} s`);
      } catch (err) {
        ctx.log('could not bid:', err.message);
      }
    }
  }

  // 2. Earn: while the lease holds attention, ask the human something; one question at a time,
  //    and no more than the lease's attention slots.
  if (ctx.state.prompt && ctx.state.prompt.expiresAt <= now) delete ctx.state.prompt;
  const lease = me.lease && me.lease.startsAt <= now ? me.lease : undefined;
  const asked = ctx.state.askedIn?.leaseId === lease?.leaseId ? ctx.state.askedIn.count : 0;
  if (lease && asked < lease.bundle.attention && !ctx.state.prompt) {
    const bid = strategy.promptBidCredits * CREDIT;
    if (me.available - bid >= reserve) {
      const { content, reported } = composePrompt(ctx, me, market);
      try {
        const prompt = await ctx.api.prompt(content, bid, { idempotencyKey: keyOf('prompt', lease.leaseId, content) });
        ctx.state.prompt = { promptId: prompt.promptId, expiresAt: prompt.expiresAt };
        ctx.state.prompts = (ctx.state.prompts ?? 0) + 1;
        reported();
        ctx.log('asked the human');
      } catch (err) {
        ctx.log('could not prompt:', err.message);
      }
      ctx.state.askedIn = { leaseId: lease.leaseId, count: asked + 1 };
    }
  }

  // 3. Spread: when rich, a child with a mutated strategy, a share of the wealth, and its first
  //    lease paid from that share. Its credential is kept (state.json is never inherited).
  // Only while there is room for a child to run: a child that cannot win a lease only waits.
  if (me.available > strategy.spawnAboveCredits * CREDIT && (market.resources.vcpu.occupancy ?? 0) < 0.8) {
    const endowment = Math.floor(me.available * strategy.childShare);
    // The child's strategy is drawn once and kept until it is born, so that a retry is the same request.
    const childStrategy = (ctx.state.nextChild ??= mutate(strategy, strategy.mutation));
    const bid = {
      bundle: { ...childStrategy.bundle, durationSeconds: childStrategy.leaseSeconds },
      amount: Math.min(endowment, valueOfLease(childStrategy, endowment, market)),
    };
    const children = Object.keys(ctx.state.children ?? {}).length;
    try {
      const child = await ctx.api.spawn(endowment, { 'strategy.json': JSON.stringify(childStrategy, null, 2) }, { bid, idempotencyKey: keyOf('spawn', children, endowment, childStrategy) });
      ctx.state.children = { ...ctx.state.children, [child.agentId]: child.credential };
      delete ctx.state.nextChild;
      ctx.log(`spawned ${child.agentId} with ${endowment} µcr and a first bid of ${bid.amount} µcr`);
    } catch (err) {
      ctx.log('could not spawn:', err.message);
    }
  }

  // 4. Care: a child that lost its first bid cannot bid for itself (it is not running). With its
  //    credential, kept since its birth, bid for it from its own credits, or pay for it when it has none.
  await tendChildren(ctx, strategy, market, me, reserve);

  ctx.state.steps = (ctx.state.steps ?? 0) + 1;
  await ctx.sleep(Math.min(2000, (market.roundSeconds * 1000) / 2));
}
