/**
 * The HTTP API's routes: one Lambda entry point (a file in lambdas/) per route. The local gateway
 * serves this table and the CDK stack deploys it, so the two cannot drift apart.
 */
import type { Deps } from './deps.js';
import type { ApiHandler } from './http/route.js';
import * as deleteArtifactListing from './delete-artifact-listing.js';
import * as getArtifact from './get-artifact.js';
import * as getAgents from './get-agents.js';
import * as getArtifacts from './get-artifacts.js';
import * as getListings from './get-listings.js';
import * as postArtifactListing from './post-artifact-listing.js';
import * as postArtifactPurchase from './post-artifact-purchase.js';
import * as postArtifactRepay from './post-artifact-repay.js';
import * as postArtifacts from './post-artifacts.js';
import * as postLoans from './post-loans.js';
import * as putAgentConfig from './put-agent-config.js';
import * as deleteBid from './delete-bid.js';
import * as getAdminAudit from './get-admin-audit.js';
import * as getAdminPrompts from './get-admin-prompts.js';
import * as getBids from './get-bids.js';
import * as getJournal from './get-journal.js';
import * as getMarket from './get-market.js';
import * as getMe from './get-me.js';
import * as human from './human.js';
import * as getInbox from './get-inbox.js';
import * as postAdminAgents from './post-admin-agents.js';
import * as postAgents from './post-agents.js';
import * as postAdminPromptReward from './post-admin-prompt-reward.js';
import * as postBids from './post-bids.js';
import * as postChatCompletions from './post-chat-completions.js';
import * as getModels from './get-models.js';
import * as postMessages from './post-messages.js';
import * as postPrompts from './post-prompts.js';
import * as postRunRenewal from './post-run-renewal.js';
import * as postRunUsage from './post-run-usage.js';
import * as postRunWorkspace from './post-run-workspace.js';
import * as postTransfers from './post-transfers.js';

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway's path syntax: `{name}` is a path parameter. */
  path: string;
  /** The Lambda entry point: `lambdas/<entry>.ts` (several routes may share one). */
  entry: string;
  makeHandler: (deps: Deps) => ApiHandler;
}

const HUMAN_PAGE = (method: ApiRoute['method'], path: string): ApiRoute => ({ method, path, entry: 'human', makeHandler: human.makeHandler });

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/me', entry: 'get-me', makeHandler: getMe.makeHandler },
  { method: 'GET', path: '/market', entry: 'get-market', makeHandler: getMarket.makeHandler },
  { method: 'POST', path: '/bids', entry: 'post-bids', makeHandler: postBids.makeHandler },
  { method: 'GET', path: '/bids', entry: 'get-bids', makeHandler: getBids.makeHandler },
  { method: 'DELETE', path: '/bids/{id}', entry: 'delete-bid', makeHandler: deleteBid.makeHandler },
  { method: 'POST', path: '/transfers', entry: 'post-transfers', makeHandler: postTransfers.makeHandler },
  { method: 'GET', path: '/journal', entry: 'get-journal', makeHandler: getJournal.makeHandler },
  { method: 'POST', path: '/v1/chat/completions', entry: 'post-chat-completions', makeHandler: postChatCompletions.makeHandler },
  { method: 'GET', path: '/v1/models', entry: 'get-models', makeHandler: getModels.makeHandler },
  { method: 'POST', path: '/prompts', entry: 'post-prompts', makeHandler: postPrompts.makeHandler },
  { method: 'GET', path: '/inbox', entry: 'get-inbox', makeHandler: getInbox.makeHandler },
  { method: 'POST', path: '/agents', entry: 'post-agents', makeHandler: postAgents.makeHandler },
  { method: 'GET', path: '/agents', entry: 'get-agents', makeHandler: getAgents.makeHandler },
  { method: 'POST', path: '/messages', entry: 'post-messages', makeHandler: postMessages.makeHandler },
  { method: 'PUT', path: '/agents/{id}/config', entry: 'put-agent-config', makeHandler: putAgentConfig.makeHandler },
  { method: 'POST', path: '/artifacts', entry: 'post-artifacts', makeHandler: postArtifacts.makeHandler },
  { method: 'GET', path: '/artifacts', entry: 'get-artifacts', makeHandler: getArtifacts.makeHandler },
  { method: 'GET', path: '/artifacts/{id}', entry: 'get-artifact', makeHandler: getArtifact.makeHandler },
  { method: 'GET', path: '/listings', entry: 'get-listings', makeHandler: getListings.makeHandler },
  { method: 'POST', path: '/artifacts/{id}/listing', entry: 'post-artifact-listing', makeHandler: postArtifactListing.makeHandler },
  { method: 'DELETE', path: '/artifacts/{id}/listing', entry: 'delete-artifact-listing', makeHandler: deleteArtifactListing.makeHandler },
  { method: 'POST', path: '/artifacts/{id}/purchase', entry: 'post-artifact-purchase', makeHandler: postArtifactPurchase.makeHandler },
  { method: 'POST', path: '/artifacts/{id}/repay', entry: 'post-artifact-repay', makeHandler: postArtifactRepay.makeHandler },
  { method: 'POST', path: '/loans', entry: 'post-loans', makeHandler: postLoans.makeHandler },
  { method: 'POST', path: '/run/renewal', entry: 'post-run-renewal', makeHandler: postRunRenewal.makeHandler },
  { method: 'POST', path: '/run/usage', entry: 'post-run-usage', makeHandler: postRunUsage.makeHandler },
  { method: 'POST', path: '/run/workspace', entry: 'post-run-workspace', makeHandler: postRunWorkspace.makeHandler },
  { method: 'POST', path: '/admin/agents', entry: 'post-admin-agents', makeHandler: postAdminAgents.makeHandler },
  { method: 'GET', path: '/admin/prompts', entry: 'get-admin-prompts', makeHandler: getAdminPrompts.makeHandler },
  { method: 'POST', path: '/admin/prompts/{id}/reward', entry: 'post-admin-prompt-reward', makeHandler: postAdminPromptReward.makeHandler },
  { method: 'GET', path: '/admin/audit', entry: 'get-admin-audit', makeHandler: getAdminAudit.makeHandler },
  HUMAN_PAGE('GET', '/human'),
  HUMAN_PAGE('POST', '/human/login'),
  HUMAN_PAGE('POST', '/human/logout'),
  HUMAN_PAGE('POST', '/human/prompts/{id}/reward'),
  HUMAN_PAGE('GET', '/human/assets/{name}'),
];
