/**
 * AWS's HTTP APIs for the adapters that a Lambda bundle carries beside DynamoDB (S3, SQS, Secrets
 * Manager, ECS, KMS, Bedrock): each request signed by `@smithy/signature-v4`, the SDK's own SigV4
 * signer (already in every bundle, through the DynamoDB client), and sent with fetch. A full SDK
 * client would add 25 to 175 kB to a bundle for the few calls each adapter makes
 * (docs/BENCHMARKS.md, "Lambda bundles").
 *
 * Configured as an SDK client configures itself: the region from `AWS_REGION` (or the shared config
 * file), credentials from the SDK's default chain (in a Lambda bundle, the function's environment,
 * session token included: wiring/lambda-credentials.ts), and the endpoint from
 * `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` (emulators, LocalStack), else AWS's own.
 * Throttling, 5xx answers and network errors are retried, as the SDK's standard mode does.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from '@smithy/core/config';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, HttpRequest } from '@smithy/types';

/** What tells one service from another. */
export interface ServiceSpec {
  /** The SDK's service id as in `AWS_ENDPOINT_URL_<id>`. */
  readonly id: string;
  /** The endpoint's first label in AWS: `https://<prefix>.<region>.amazonaws.com`. */
  readonly endpointPrefix: string;
  /** The service name requests are signed for. */
  readonly signingName: string;
  /** The AWS JSON protocol's target prefix and version, where the service speaks it. */
  readonly json?: { readonly targetPrefix: string; readonly version: '1.0' | '1.1' };
  /** S3 signs the path as it is sent, not escaped again, and every payload's hash. */
  readonly s3?: true;
}

export interface AwsConfig {
  /** Default: the SDK's (`AWS_REGION`, then the shared config file). */
  readonly region?: string;
  /** Default: `AWS_ENDPOINT_URL_<id>`, `AWS_ENDPOINT_URL`, else AWS's endpoint for the region. */
  readonly endpoint?: string;
  /** Default: the SDK's default chain. */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export interface AwsRequest {
  readonly method: string;
  /** The path, already encoded as it is to be sent. */
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
  /** The host in place of the endpoint's (S3's virtual-hosted buckets). */
  readonly host?: string;
  readonly signal?: AbortSignal;
}

/** An error answer of an AWS service: `name` is its error code (`ThrottlingException`...). */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(`${code}: ${message}`);
    this.name = code;
  }
}

const ATTEMPTS = 3;
const THROTTLING = /throttl|toomanyrequests|requestlimitexceeded|slowdown|limitexceeded|requestthrottled/i;

export class AwsService {
  /** Whether the endpoint is one of the environment's or the config's (an emulator), not AWS's. */
  readonly customEndpoint: boolean;
  private readonly region: () => Promise<string>;
  private readonly signer: SignatureV4;
  private endpointUrl?: Promise<URL>;

  constructor(
    readonly spec: ServiceSpec,
    private readonly config: AwsConfig = {},
    env: Record<string, string | undefined> = process.env,
  ) {
    const endpoint = config.endpoint ?? env[`AWS_ENDPOINT_URL_${spec.id}`] ?? env.AWS_ENDPOINT_URL;
    this.customEndpoint = endpoint !== undefined;
    if (endpoint) this.endpointUrl = Promise.resolve(new URL(endpoint));
    let region: Promise<string> | undefined;
    this.region = () => (region ??= config.region ? Promise.resolve(config.region) : loadConfig(NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS)());
    this.signer = new SignatureV4({
      service: spec.signingName,
      region: this.region,
      credentials: config.credentials ?? defaultProvider(),
      sha256: Sha256,
      uriEscapePath: !spec.s3,
      applyChecksum: spec.s3 === true,
    });
  }

  /** The service's endpoint: the configured one, or AWS's for the region. */
  endpoint(): Promise<URL> {
    return (this.endpointUrl ??= this.region().then((region) => new URL(`https://${this.spec.endpointPrefix}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`)));
  }

  /** Sends `request` signed; answers its response if 2xx, else throws an `AwsError`. */
  async send(request: AwsRequest): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        const { url, init } = await this.signed(request);
        res = await fetch(url, init);
      } catch (err) {
        if (request.signal?.aborted || attempt >= ATTEMPTS || !(err instanceof TypeError)) throw err; // a TypeError: the network failed
        await backoff(attempt);
        continue;
      }
      if (res.ok) return res;
      const error = await errorOf(res);
      if (attempt >= ATTEMPTS || !(res.status >= 500 || res.status === 429 || THROTTLING.test(error.code)) || request.signal?.aborted) throw error;
      await backoff(attempt);
    }
  }

  /** Calls an operation of the AWS JSON protocol: its input and output as JSON. */
  async json<T>(operation: string, input: object, signal?: AbortSignal): Promise<T> {
    const json = this.spec.json;
    if (!json) throw new Error(`${this.spec.id} does not speak the AWS JSON protocol`);
    const res = await this.send({
      method: 'POST',
      path: '/',
      headers: { 'content-type': `application/x-amz-json-${json.version}`, 'x-amz-target': `${json.targetPrefix}.${operation}` },
      body: JSON.stringify(input),
      ...(signal ? { signal } : {}),
    });
    return (await res.json()) as T;
  }

  /** A URL that does `request` (no body) without credentials, for `expiresIn` seconds. */
  async presign(request: Omit<AwsRequest, 'body' | 'signal'>, expiresIn: number): Promise<string> {
    const http = await this.httpRequest(request);
    // S3's presigned URLs leave the payload unsigned, named as s3-request-presigner names it: the
    // signer moves it to the query as it is spelt, and query names are case-sensitive.
    if (this.spec.s3) http.headers['X-Amz-Content-Sha256'] = 'UNSIGNED-PAYLOAD';
    const signed = await this.signer.presign(http, { expiresIn, unsignableHeaders: new Set(['content-type']) });
    return urlOf(signed);
  }

  private async signed(request: AwsRequest): Promise<{ url: string; init: RequestInit }> {
    const http = await this.httpRequest(request);
    if (request.body !== undefined) http.body = request.body;
    const signed = await this.signer.sign(http);
    const { host: _host, ...headers } = signed.headers; // fetch sends the host itself, the same
    return { url: urlOf(signed), init: { method: signed.method, headers, ...(request.body !== undefined ? { body: request.body } : {}), ...(request.signal ? { signal: request.signal } : {}) } };
  }

  private async httpRequest(request: Omit<AwsRequest, 'body' | 'signal'>): Promise<HttpRequest> {
    const endpoint = await this.endpoint();
    const hostname = request.host ?? endpoint.hostname;
    const port = endpoint.port ? Number(endpoint.port) : undefined;
    const basePath = endpoint.pathname.replace(/\/$/, '');
    return {
      method: request.method,
      protocol: endpoint.protocol,
      hostname,
      ...(port ? { port } : {}),
      path: `${basePath}${request.path}`,
      query: { ...request.query },
      headers: { host: port ? `${hostname}:${port}` : hostname, ...request.headers },
    };
  }
}

/** RFC 3986 encoding, as SigV4 wants it (and as the signer encodes the query it signs). */
export const escapeUri = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function urlOf(request: HttpRequest): string {
  const query = Object.entries(request.query ?? {})
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).filter((one) => one !== null).map((one) => `${escapeUri(name)}=${escapeUri(one)}`))
    .join('&');
  return `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}${query ? `?${query}` : ''}`;
}

/** The error code and message of an error answer, in any of the protocols' shapes. */
async function errorOf(res: Response): Promise<AwsError> {
  const text = await res.text().catch(() => '');
  let code = res.headers.get('x-amzn-errortype') ?? undefined;
  let message: string | undefined;
  if (text.startsWith('{')) {
    try {
      const body = JSON.parse(text) as { __type?: string; code?: string; message?: string; Message?: string };
      code ??= body.__type ?? body.code;
      message = body.message ?? body.Message;
    } catch {
      // not JSON after all
    }
  } else {
    code ??= /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  }
  // `aws.protocols#Name:uri` or `namespace#Name`: the name alone.
  code = (code ?? `Http${res.status}`).split(':')[0]!.split('#').at(-1)!;
  return new AwsError(code, message ?? (text.slice(0, 200) || res.statusText), res.status);
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * 2 ** attempt));
}
