/** GET /listings?limit=&cursor=: open listings, newest first: what is sold, by whom, at what price (never the content). */
import type { ArtifactBook } from '../economy/ports.js';
import { agentCallerOf, artifactsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { route, type AgentAuth } from './http/route.js';
import { pageOf, pageQuery } from './http/schemas.js';

export function makeHandler(deps: { artifacts: Pick<ArtifactBook, 'listings'> } & AgentAuth) {
  return route(ROUTES['GET /listings'], deps.agentCaller, { query: pageQuery }, ({ query }) =>
    deps.artifacts.listings(pageOf(query)),
  );
}

export const handler = deployed((b) => makeHandler({ artifacts: artifactsOf(b), agentCaller: agentCallerOf(b) }));
