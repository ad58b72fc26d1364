/**
 * The human page: one Lambda behind API Gateway (and the local gateway) for
 *   GET  /human                          the dashboard, or the sign-in form
 *   POST /human/login, /human/logout     the operator token in, an HttpOnly session cookie out
 *   POST /human/prompts/{id}/reward      the score form: reward a prompt
 *   GET  /human/assets/{name}            stylesheet, chart library and chart script
 * (lambdas/human/actions.ts). Refusals are pages with their status; anything else is logged.
 */
import { logLine } from './log.js';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, NotFoundError } from '../economy/errors.js';
import { deployed } from '../wiring/base.js';
import { agentsOf, auditsOf, leasesOf, ledgerOf, llmLedgerOf, promptsOf, roundsOf, sessionsOf } from '../wiring/dynamodb.js';
import { llmModelOf } from '../wiring/llm.js';
import { operatorTokenOf } from '../wiring/operator.js';
import { statusOf } from './http/errors.js';
import { ACTIONS, page, serveAsset, visitOf, type HumanDeps } from './human/actions.js';
import { errorPage } from './human/page.js';

export function makeHandler(deps: HumanDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      if (event.routeKey === 'GET /human/assets/{name}') return serveAsset(event);
      const action = ACTIONS[event.routeKey];
      if (!action) throw new NotFoundError('page', event.rawPath);
      return await action(deps, await visitOf(deps, event));
    } catch (err) {
      if (err instanceof DomainError) {
        const status = statusOf(err);
        return page(status, errorPage(status, err.message));
      }
      logLine('ERROR', 'human page error', { error: err, routeKey: event.routeKey });
      return page(500, errorPage(500, 'Something went wrong; the details are in the log.'));
    }
  };
}

export const handler = deployed((b) =>
  makeHandler({
    rounds: roundsOf(b),
    ledger: ledgerOf(b),
    audits: auditsOf(b),
    prompts: promptsOf(b),
    agents: agentsOf(b),
    leases: leasesOf(b),
    llmLedger: llmLedgerOf(b),
    sessions: sessionsOf(b),
    llm: llmModelOf(b),
    operatorToken: operatorTokenOf(b),
    clock: b.clock,
    config: b.config,
  }),
);
