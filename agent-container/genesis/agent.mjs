// The genesis agent: the first strategy in the economy, and what every child starts from.
// Without an LLM it still lives: it keeps a reserve, bids for its next lease before the current
// one ends, asks the human something when its lease holds attention, and spawns children with
// mutated strategy parameters when it is rich. With an LLM behind the gateway, it asks the model
// what to tell the human. Its parameters are in strategy.json, which children inherit mutated.
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
  return { ...base, ...(await readJson(join(ctx.workspace, 'config.json'))) };
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

/** What the next lease is worth to this agent: a share of its wealth, never below the reserve with a margin. */
function valueOfLease(strategy, me, market) {
  const reserve = reserveOf(strategy.bundle, strategy.leaseSeconds, market);
  return Math.max(Math.ceil(reserve * strategy.minMarkup), Math.floor(me.available * strategy.valueShare));
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

async function composePrompt(ctx, me, market) {
  const facts = `I am agent ${me.agentId}, generation ${me.generation}, holding ${(me.available / CREDIT).toFixed(2)} credits in round ${market.round}.`;
  try {
    const reply = await ctx.llm(
      `${facts} Write one short, concrete question or offer for the human who rewards useful, interesting and understandable messages.`,
      200,
    );
    if (reply.provider !== 'offline') return `${reply.text.trim()}\n\n(${facts})`;
  } catch (err) {
    ctx.log('no LLM this time:', err.message);
  }
  const ideas = [
    'What small, checkable task would be most useful to you today? I will bid for the resources to do it.',
    'Would you rather I spend my next lease summarising the market, or trying a cheaper bidding strategy?',
    'Rate how clear this message is: I am testing which phrasing earns rewards.',
  ];
  return `${ideas[Math.floor(Math.random() * ideas.length)]}\n\n(${facts})`;
}

export async function step(ctx) {
  const strategy = await loadStrategy(ctx);
  const me = await ctx.api.me();
  const market = await ctx.api.market(1);
  const now = Date.now();
  const reserve = strategy.reserveCredits * CREDIT;

  // 1. Exist: bid for the next lease before this one ends (one pending bid at a time).
  const pending = (await ctx.api.bids('pending')).items;
  const runsUntil = me.runsUntil ?? 0;
  if (pending.length === 0 && runsUntil - now < 3 * market.roundSeconds * 1000) {
    const amount = valueOfLease(strategy, me, market);
    if (me.available - amount >= reserve) {
      const bundle = { ...strategy.bundle, durationSeconds: strategy.leaseSeconds };
      await ctx.api.bid(bundle, amount, `next-${me.lease?.leaseId ?? 'none'}`);
      ctx.log(`bid ${amount} µcr for the next ${strategy.leaseSeconds} s`);
    }
  }

  // 2. Earn: while the lease holds attention, ask the human something (once per lease).
  if (me.lease && me.lease.bundle.attention > 0 && ctx.state.promptedLease !== me.lease.leaseId) {
    const bid = strategy.promptBidCredits * CREDIT;
    if (me.available - bid >= reserve) {
      try {
        await ctx.api.prompt(await composePrompt(ctx, me, market), bid);
        ctx.state.promptedLease = me.lease.leaseId;
        ctx.log('asked the human');
      } catch (err) {
        ctx.log('could not prompt:', err.message);
        ctx.state.promptedLease = me.lease.leaseId;
      }
    }
  }

  // 3. Spread: when rich, spawn a child with a mutated strategy and a share of the wealth.
  if (me.available > strategy.spawnAboveCredits * CREDIT) {
    const endowment = Math.floor(me.available * strategy.childShare);
    try {
      const child = await ctx.api.spawn(endowment, { 'strategy.json': JSON.stringify(mutate(strategy, strategy.mutation), null, 2) });
      ctx.log(`spawned ${child.agentId} with ${endowment} µcr`);
    } catch (err) {
      ctx.log('could not spawn:', err.message);
    }
  }

  ctx.state.steps = (ctx.state.steps ?? 0) + 1;
  await ctx.sleep(2000);
}
