/**
 * Every route's handler at once, over one set of ports: how the local gateway (and the tests and
 * benchmarks that run the API in one process) serve the routes table. Lambda entry points do not
 * use this: each is its own bundle.
 */
import type { Deps } from '../wiring/deps.js';
import * as deleteArtifactListing from './delete-artifact-listing.js';
import * as deleteBid from './delete-bid.js';
import * as getAdminAudit from './get-admin-audit.js';
import * as getAdminPrompts from './get-admin-prompts.js';
import * as getAgents from './get-agents.js';
import * as getArtifact from './get-artifact.js';
import * as getArtifacts from './get-artifacts.js';
import * as getBids from './get-bids.js';
import * as getInbox from './get-inbox.js';
import * as getJournal from './get-journal.js';
import * as getListings from './get-listings.js';
import * as getMarket from './get-market.js';
import * as getMe from './get-me.js';
import * as getModels from './get-models.js';
import type { ApiHandler } from './http/route.js';
import * as human from './human.js';
import * as postAdminAgents from './post-admin-agents.js';
import * as postAdminPromptReward from './post-admin-prompt-reward.js';
import * as postAgents from './post-agents.js';
import * as postArtifactListing from './post-artifact-listing.js';
import * as postArtifactPurchase from './post-artifact-purchase.js';
import * as postArtifactRepay from './post-artifact-repay.js';
import * as postArtifacts from './post-artifacts.js';
import * as postBids from './post-bids.js';
import * as postChatCompletions from './post-chat-completions.js';
import * as postLoans from './post-loans.js';
import * as postMessages from './post-messages.js';
import * as postPrompts from './post-prompts.js';
import * as postRunRenewal from './post-run-renewal.js';
import * as postRunUsage from './post-run-usage.js';
import * as postRunWorkspace from './post-run-workspace.js';
import * as postTransfers from './post-transfers.js';
import * as putAgentConfig from './put-agent-config.js';
import { API_ROUTES, type Method } from './routes.js';

/** Each entry point's `makeHandler`, by entry. */
export const ENTRY_POINTS: Readonly<Record<string, { makeHandler: (deps: Deps) => ApiHandler }>> = {
  'delete-artifact-listing': deleteArtifactListing,
  'delete-bid': deleteBid,
  'get-admin-audit': getAdminAudit,
  'get-admin-prompts': getAdminPrompts,
  'get-agents': getAgents,
  'get-artifact': getArtifact,
  'get-artifacts': getArtifacts,
  'get-bids': getBids,
  'get-inbox': getInbox,
  'get-journal': getJournal,
  'get-listings': getListings,
  'get-market': getMarket,
  'get-me': getMe,
  'get-models': getModels,
  human,
  'post-admin-agents': postAdminAgents,
  'post-admin-prompt-reward': postAdminPromptReward,
  'post-agents': postAgents,
  'post-artifact-listing': postArtifactListing,
  'post-artifact-purchase': postArtifactPurchase,
  'post-artifact-repay': postArtifactRepay,
  'post-artifacts': postArtifacts,
  'post-bids': postBids,
  'post-chat-completions': postChatCompletions,
  'post-loans': postLoans,
  'post-messages': postMessages,
  'post-prompts': postPrompts,
  'post-run-renewal': postRunRenewal,
  'post-run-usage': postRunUsage,
  'post-run-workspace': postRunWorkspace,
  'post-transfers': postTransfers,
  'put-agent-config': putAgentConfig,
};

export interface ServedRoute {
  method: Method;
  path: string;
  handler: ApiHandler;
}

/** The routes table served by one process: one handler per entry point, shared by its routes. */
export function allRoutes(deps: Deps): ServedRoute[] {
  const built = new Map<string, ApiHandler>();
  return API_ROUTES.map((r) => {
    const entry = ENTRY_POINTS[r.entry];
    if (!entry) throw new Error(`the routes table names lambdas/${r.entry}.ts, which is not an entry point`);
    if (!built.has(r.entry)) built.set(r.entry, entry.makeHandler(deps));
    return { method: r.method, path: r.path, handler: built.get(r.entry)! };
  });
}
