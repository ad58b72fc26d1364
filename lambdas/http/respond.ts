import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

const RAW = Symbol('raw response');

/** A response a route gives as it is (not as JSON): server-sent events, a page. */
export function raw(response: APIGatewayProxyStructuredResultV2): { [RAW]: APIGatewayProxyStructuredResultV2 } {
  return { [RAW]: response };
}

/** The response for what a route returned: its raw response, or its value as JSON. */
export function responseOf(statusCode: number, value: unknown): APIGatewayProxyStructuredResultV2 {
  if (value !== null && typeof value === 'object' && RAW in value) return (value as { [RAW]: APIGatewayProxyStructuredResultV2 })[RAW];
  return json(statusCode, value);
}
