/** GET /bids?state=&limit=&cursor=: the bids the calling agent pays for (its own and those it sponsors), newest first. */
import type { BidBook } from '../economy/ports.js';
import * as z from 'zod/mini';
import { agentCallerOf, bidsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { pageOf, pageQuery } from './http/schemas.js';

const query = z.extend(pageQuery, { state: z.optional(z.enum(['pending', 'won', 'cancelled', 'expired'])) });

export function makeHandler(deps: { bids: Pick<BidBook, 'listBids'> } & AgentAuth) {
  return route(ROUTES['GET /bids'], deps.agentCaller, { query }, ({ principal, query }) =>
    deps.bids.listBids(agentOf(principal), {
      ...pageOf(query),
      ...(query.state ? { state: query.state } : {}),
    }),
  );
}

export const handler = deployed((b) => makeHandler({ bids: bidsOf(b), agentCaller: agentCallerOf(b) }));
