/**
 * The requests of adapters/aws/service.ts are signed as the AWS SDK v3 signs the same operations.
 * The emulators the other tests use (moto_server, fauxqs) check no signature, so this is what
 * stands for AWS accepting them.
 *
 * For each operation an adapter sends, with the same credentials (session token included), region
 * and clock: the SDK client's request is caught by its `requestHandler`, ours by a stubbed `fetch`,
 * taken as fetch puts it on the wire (the URL parsed as fetch parses it, the host from the URL).
 * Then, with a SigV4 signer written here from AWS's specification (node:crypto only, no SDK code):
 *
 * 1. the signer reproduces the SDK's `authorization` (or presigned URL's `X-Amz-Signature`) from
 *    the SDK's request: it computes what AWS computes to verify a request;
 * 2. our request's canonical request equals the SDK's, once the SDK's request is stripped of the
 *    differences listed (`SDK_ONLY`, each with why AWS does not need it) and given ours where the
 *    two carry the same content differently serialized (a JSON body's key order, DeleteObjects'
 *    XML) — method, host, path, query, signed headers and their values, payload hash;
 * 3. our `authorization` (or `X-Amz-Signature`) is exactly the one computed from that request.
 *
 * Two differences were ours to fix: RunTask went without a `clientToken` (the SDK fills one in, so
 * that a retry of a RunTask ECS had carried out does not start a second task), and presigned URLs
 * spelt `x-amz-content-sha256` in lower case (the presigner's `X-Amz-Content-Sha256`).
 *
 * Out of scope: `.` and `..` path segments, which fetch's URL parser removes (a workspace path
 * has none: economy/society.ts's SAFE_PATH), and SigV4a/S3 Express, which the adapters never use.
 */
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, RunTaskCommand, StopTaskCommand, TagResourceCommand } from '@aws-sdk/client-ecs';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { CopyObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { HttpResponse } from '@smithy/core/protocols';
import type { HttpRequest } from '@smithy/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsService } from '../../adapters/aws/service.js';
import { ECS, EcsRunner, KMS } from '../../adapters/ecs/ecs-runner.js';
import { BEDROCK_RUNTIME, BedrockProvider } from '../../adapters/llm/bedrock.js';
import { operatorTokenSource, SECRETS_MANAGER } from '../../adapters/secrets/operator-token.js';
import { SQS, SqsMeterQueue } from '../../adapters/sqs/meter-queue.js';
import { S3, S3Bucket } from '../../adapters/workspace/s3-bucket.js';
import type { RunSpec } from '../../economy/ports.js';

/** Temporary credentials, as a Lambda has: the session token is signed too (and has `/+=`). */
const credentials = {
  accessKeyId: 'ASIAEXAMPLEEXAMPLE00',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE/session+token==',
};
const NOW = new Date('2026-03-01T12:34:56.789Z');
const BUCKET = 'syntropism-births';

/** Object keys with every character class that S3 paths, queries and XML treat apart. */
const ODD_KEYS = [
  'workspaces/01HZX3Q8K6M0A7B2C4D5E6F7G8/agent.mjs',
  'workspaces/a b/notes and  spaces .txt',
  'workspaces/ünïcödé/日本語/😀.txt',
  'workspaces/plus+equals=tilde~/a+b=c~d',
  'workspaces/percent/100% done %20 %2F.txt',
  "workspaces/sub-delims/!'()*.txt",
  'workspaces/xml/a & b <c> "d" \'e\'.txt',
  'workspaces/all/ a+b=c~d%e!f\'g(h)i*j ü/k',
];

// --- SigV4 as AWS's specification states it -----------------------------------------------------

/** RFC 3986: everything but the unreserved characters percent-encoded, as SigV4 requires. */
const rfc3986 = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** A request as it goes over the wire. */
interface Wire {
  method: string;
  host: string;
  /** The path as sent (percent-encoded). */
  path: string;
  /** The query's parameters, decoded, in the order sent. */
  query: [string, string][];
  /** Lowercase names. */
  headers: Record<string, string>;
  body: string;
}

/** What the request says of its signature: from the `authorization` header, or a presigned URL's query. */
interface Signature {
  presigned: boolean;
  accessKeyId: string;
  scope: string;
  amzDate: string;
  signedHeaders: string[];
  signature: string;
}

function signatureOf(wire: Wire): Signature {
  const authorization = wire.headers.authorization;
  if (authorization) {
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
    if (!m) throw new Error(`not a SigV4 authorization: ${authorization}`);
    return { presigned: false, accessKeyId: m[1]!, scope: m[2]!, amzDate: wire.headers['x-amz-date']!, signedHeaders: m[3]!.split(';'), signature: m[4]! };
  }
  const param = (name: string) => wire.query.find(([n]) => n === name)?.[1] ?? '';
  expect(param('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
  const [accessKeyId, ...scope] = param('X-Amz-Credential').split('/');
  return { presigned: true, accessKeyId: accessKeyId!, scope: scope.join('/'), amzDate: param('X-Amz-Date'), signedHeaders: param('X-Amz-SignedHeaders').split(';'), signature: param('X-Amz-Signature') };
}

/**
 * The canonical request AWS builds from `wire` to check its signature. S3 takes the path as sent;
 * every other service encodes each of its segments once more. S3 signs the payload's hash given in
 * `x-amz-content-sha256` (checked here against the body); the others, the body's hash.
 */
function canonicalRequest(wire: Wire, service: 's3' | 'other', signedHeaders = signatureOf(wire).signedHeaders): string {
  const presigned = !wire.headers.authorization;
  const path = service === 's3' ? wire.path : wire.path.split('/').map(rfc3986).join('/');
  const query = wire.query
    .filter(([name]) => !(presigned && name === 'X-Amz-Signature'))
    .map(([name, value]) => [rfc3986(name), rfc3986(value)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const headers = signedHeaders.map((name) => {
    const value = wire.headers[name];
    if (value === undefined) throw new Error(`signed header ${name} is not sent`);
    return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
  });
  let payload = sha256(wire.body);
  if (presigned) payload = 'UNSIGNED-PAYLOAD';
  else if (service === 's3') {
    payload = wire.headers['x-amz-content-sha256']!;
    expect(payload).toBe(sha256(wire.body));
  }
  return [wire.method, path || '/', query, headers.join(''), signedHeaders.join(';'), payload].join('\n');
}

/** The signature of `canonical` with `credentials`' secret key, for its date and scope. */
function sign(canonical: string, amzDate: string, scope: string): string {
  const [date, region, service] = scope.split('/');
  const key = [region!, service!, 'aws4_request'].reduce((k, part) => hmac(k, part), hmac(`AWS4${credentials.secretAccessKey}`, date!));
  return createHmac('sha256', key).update(['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n')).digest('hex');
}

// --- Catching the requests ----------------------------------------------------------------------

/** The SDK's request as its Node handler would send it: the path and headers as they are. */
function sdkWire(request: HttpRequest): Wire {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const host = Object.hasOwn(headers, 'host') ? headers.host! : `${request.hostname}${request.port ? `:${request.port}` : ''}`;
  headers.host = host;
  const query = Object.entries(request.query ?? {}).flatMap(([name, value]) => (Array.isArray(value) ? value : [value ?? '']).map((one): [string, string] => [name, one]));
  const body = request.body === undefined ? '' : typeof request.body === 'string' ? request.body : Buffer.from(request.body as Uint8Array).toString('utf8');
  return { method: request.method, host, path: request.path, query, headers, body };
}

/** Our request as fetch sends it: the URL parsed by fetch's parser, the host taken from it. */
function fetchWire(url: string, init: RequestInit = {}): Wire {
  const parsed = new URL(url);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  expect(headers.host, 'fetch sets the host itself').toBeUndefined();
  headers.host = parsed.host;
  const raw = parsed.search.slice(1);
  const query = raw
    ? raw.split('&').map((pair): [string, string] => {
        const [name = '', value = ''] = pair.split('=');
        // Sent exactly as SigV4 encodes it: no `+` for a space, nothing a server could read two ways.
        expect(rfc3986(decodeURIComponent(name)), pair).toBe(name);
        expect(rfc3986(decodeURIComponent(value)), pair).toBe(value);
        return [decodeURIComponent(name), decodeURIComponent(value)];
      })
    : [];
  const body = init.body === undefined || init.body === null ? '' : typeof init.body === 'string' ? init.body : Buffer.from(init.body as Uint8Array).toString('utf8');
  return { method: init.method ?? 'GET', host: parsed.host, path: parsed.pathname, query, headers, body };
}

/** An SDK client's options: the same region and credentials, its requests caught in `requests`. */
function sdkOptions(region: string, requests: HttpRequest[], answer = '{}') {
  return {
    region,
    credentials,
    maxAttempts: 1,
    requestHandler: {
      handle: (request: HttpRequest) => {
        requests.push(request);
        return Promise.resolve({ response: new HttpResponse({ statusCode: 200, headers: {}, body: Readable.from([Buffer.from(answer)]) }) });
      },
    },
  };
}

/** The request the SDK sends for `send` (its answer may not parse: only the request matters). */
async function sdkRequest(send: (requests: HttpRequest[]) => Promise<unknown>): Promise<Wire> {
  const requests: HttpRequest[] = [];
  await send(requests).catch(() => undefined);
  expect(requests).toHaveLength(1);
  return sdkWire(requests[0]!);
}

/** Our requests through a stubbed fetch, answered by `answer`. */
function stubFetch(answer: (wire: Wire) => string = () => '{}'): Wire[] {
  const sent: Wire[] = [];
  vi.stubGlobal('fetch', (url: string, init?: RequestInit) => {
    const wire = fetchWire(url, init);
    sent.push(wire);
    return Promise.resolve(new Response(answer(wire), { status: 200 }));
  });
  return sent;
}

// --- The comparison -----------------------------------------------------------------------------

/**
 * Headers the SDK signs and our requests do not send, and why AWS needs none of them. A header
 * sent but not signed (`user-agent`, fetch's `accept`...) takes no part in the signature.
 */
const SDK_ONLY = {
  'amz-sdk-invocation-id': "the SDK's id of one call across its retries: telemetry",
  'amz-sdk-request': "the SDK's attempt count (`attempt=1; max=1`): telemetry",
  'x-amz-user-agent': "the SDK's name and version (a copy of user-agent, which browsers cannot set): telemetry",
  'content-length': 'fetch sets it from the body, after signing; SigV4 requires host and the x-amz-* headers sent, not this one',
  'x-amz-content-sha256':
    "the SDK's signer adds it to every service's requests; only S3 requires it (ours sends it to S3). The payload's hash is in the canonical request either way",
  'x-amzn-query-mode':
    "SQS: asks for its old Query protocol's error codes in an `x-amzn-query-error` header, for clients written against them; AwsService reads the JSON protocol's `__type`",
  'content-type':
    "S3 PutObject: the SDK's type for a body it cannot type (application/octet-stream); ours sends none, so fetch sends text/plain for a string body, unsigned. S3 stores it as the object's Content-Type, which nothing here reads",
  'x-amz-checksum-crc32': 'S3 DeleteObjects requires an integrity header: the SDK sends a CRC32, ours Content-MD5 (OURS_ONLY), which S3 accepts as well',
  'x-amz-sdk-checksum-algorithm': 'S3 DeleteObjects: names the algorithm of x-amz-checksum-crc32 (above)',
} as const;

/** Headers we sign that the SDK does not send. */
const OURS_ONLY = {
  'content-md5': 'S3 DeleteObjects: the integrity header S3 requires, in place of the SDK\'s x-amz-checksum-crc32 (checked against the body in the test)',
} as const;

/** Query parameters the SDK signs that ours do not send. */
const SDK_ONLY_QUERY = {
  'x-id': 'S3: the operation\'s name (`x-id=PutObject`), which S3 ignores; the SDK adds it where the path and method alone would not tell operations apart',
} as const;

interface Differences {
  service: 's3' | 'other';
  sdkOnly?: (keyof typeof SDK_ONLY)[];
  oursOnly?: (keyof typeof OURS_ONLY)[];
  sdkOnlyQuery?: (keyof typeof SDK_ONLY_QUERY)[];
  /** How two bodies are the same content: byte for byte (default), or parsed by `parse`. */
  parse?: (body: string) => unknown;
}

/** The SDK's request signed as our adapter signs the same operation, and ours exactly as signed. */
function expectSignedAlike(sdk: Wire, ours: Wire, differences: Differences): void {
  const { service, sdkOnly = [], oursOnly = [], sdkOnlyQuery = [], parse } = differences;
  const theirs = signatureOf(sdk);
  const mine = signatureOf(ours);

  // 1. The signer here is AWS's: it finds the SDK's own signature from the SDK's request.
  expect(sign(canonicalRequest(sdk, service), theirs.amzDate, theirs.scope)).toBe(theirs.signature);

  // What is sent, before what is signed: clearer failures.
  expect(ours.method).toBe(sdk.method);
  expect(ours.host).toBe(sdk.host);
  expect(ours.path).toBe(sdk.path);
  expect({ ...mine, signature: '', signedHeaders: [] }).toEqual({ ...theirs, signature: '', signedHeaders: [] });
  if (parse) expect(parse(ours.body)).toEqual(parse(sdk.body));
  else expect(ours.body).toBe(sdk.body);

  // 2. The SDK's request without what only it sends, with ours where the content is the same.
  for (const name of sdkOnly) expect(theirs.signedHeaders, `the SDK signs ${name} (${SDK_ONLY[name]})`).toContain(name);
  for (const name of oursOnly) expect(theirs.signedHeaders, `the SDK does not sign ${name} (${OURS_ONLY[name]})`).not.toContain(name);
  for (const name of sdkOnlyQuery) expect(sdk.query.map(([n]) => n), `the SDK sends ${name} (${SDK_ONLY_QUERY[name]})`).toContain(name);
  const signedHeaders = [...theirs.signedHeaders.filter((name) => !(sdkOnly as string[]).includes(name)), ...oursOnly].sort();
  const expected: Wire = {
    ...sdk,
    query: sdk.query.filter(([name]) => !(sdkOnlyQuery as string[]).includes(name)),
    headers: { ...sdk.headers, ...Object.fromEntries(oursOnly.map((name) => [name, ours.headers[name]!])) },
    body: ours.body,
  };
  if (service === 's3' && !mine.presigned) expected.headers['x-amz-content-sha256'] = sha256(ours.body);
  expect(mine.signedHeaders).toEqual(signedHeaders);
  if (mine.presigned) {
    // The rest of a presigned URL's query, less the signature, is signed as it is: the same.
    const rest = (wire: Wire) => wire.query.filter(([name]) => name !== 'X-Amz-Signature').sort(([a], [b]) => (a < b ? -1 : 1));
    expect(rest(ours)).toEqual(rest(expected));
  }
  const canonical = canonicalRequest(expected, service, signedHeaders);
  expect(canonicalRequest(ours, service)).toBe(canonical);

  // 3. Our signature is that request's, to the character.
  const signature = sign(canonical, theirs.amzDate, theirs.scope);
  if (mine.presigned) expect(mine.signature).toBe(signature);
  else expect(ours.headers.authorization).toBe(`AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${theirs.scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`);
}

/** The keys and quiet flag of a DeleteObjects body (ours has no XML declaration or namespace, and puts Quiet first). */
function deleteRequest(xml: string) {
  const text = (s: string) => s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
  expect(xml).toMatch(/^(<\?xml version="1.0" encoding="UTF-8"\?>)?<Delete( xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/")?>/);
  return { keys: [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => text(m[1]!)), quiet: /<Quiet>true<\/Quiet>/.test(xml) };
}

// --- The operations -----------------------------------------------------------------------------

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  // Nothing of this machine's AWS set-up (an emulator's endpoint, a profile) in either request.
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_') && name !== 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED') vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

describe.each(['eu-west-1', 'us-east-1'])('requests signed as the AWS SDK signs them, in %s', (region) => {
  const config = { region, credentials };
  /** No checksum the operation does not require (`WHEN_REQUIRED`, a documented client setting): our requests send none either. */
  const s3Client = (requests: HttpRequest[], answer?: string) =>
    new S3Client({ ...sdkOptions(region, requests, answer), requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const bucket = () => new S3Bucket(new AwsService(S3, config, {}), BUCKET);

  describe('S3', () => {
    it('ListObjectsV2: a prefix, then a continuation token', async () => {
      for (const prefix of [...ODD_KEYS, 'workspaces/']) {
        const token = '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=+a b%';
        let page = 0;
        const sent = stubFetch(() => (page++ === 0 ? `<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>${token}</NextContinuationToken></ListBucketResult>` : '<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>'));
        for await (const _ of bucket().keys(prefix));
        expect(sent).toHaveLength(2);

        const first = await sdkRequest((requests) => s3Client(requests, '<ListBucketResult/>').send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix })));
        expectSignedAlike(first, sent[0]!, { service: 's3', sdkOnly: ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent'] });
        const next = await sdkRequest((requests) => s3Client(requests, '<ListBucketResult/>').send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token })));
        expectSignedAlike(next, sent[1]!, { service: 's3', sdkOnly: ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent'] });
      }
    });

    it('PutObject', async () => {
      for (const key of ODD_KEYS) {
        const body = `{"file":${JSON.stringify(key)},"text":"ü ☃"}`;
        const sent = stubFetch(() => '');
        await bucket().put(key, body);
        const sdk = await sdkRequest((requests) => s3Client(requests, '').send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body })));
        expectSignedAlike(sdk, sent[0]!, { service: 's3', sdkOnly: ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent', 'content-length', 'content-type'], sdkOnlyQuery: ['x-id'] });
      }
    });

    it('CopyObject: the source URL-encoded, as S3 requires of x-amz-copy-source', async () => {
      for (const from of ODD_KEYS) {
        const to = from.replace('workspaces/', 'workspaces/child ü/');
        const sent = stubFetch(() => '<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>');
        await bucket().copy(from, to);
        // The SDK sends CopySource as it is given; S3 wants it URL-encoded: written here from that rule.
        const copySource = `/${BUCKET}/${from.split('/').map(rfc3986).join('/')}`;
        expect(decodeURIComponent(sent[0]!.headers['x-amz-copy-source']!)).toBe(`/${BUCKET}/${from}`);
        const sdk = await sdkRequest((requests) => s3Client(requests, '<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>').send(new CopyObjectCommand({ Bucket: BUCKET, Key: to, CopySource: copySource })));
        expectSignedAlike(sdk, sent[0]!, { service: 's3', sdkOnly: ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent'], sdkOnlyQuery: ['x-id'] });
      }
    });

    it('DeleteObjects: the same keys and Quiet, Content-MD5 in place of a CRC32', async () => {
      const sent = stubFetch(() => '<DeleteResult></DeleteResult>');
      await bucket().delete(ODD_KEYS);
      const ours = sent[0]!;
      expect(ours.headers['content-md5']).toBe(createHash('md5').update(ours.body).digest('base64'));
      const sdk = await sdkRequest((requests) => s3Client(requests, '<DeleteResult></DeleteResult>').send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: ODD_KEYS.map((Key) => ({ Key })), Quiet: true } })));
      expect(deleteRequest(ours.body)).toEqual({ keys: ODD_KEYS, quiet: true });
      expectSignedAlike(sdk, ours, {
        service: 's3',
        sdkOnly: ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent', 'content-length', 'x-amz-checksum-crc32', 'x-amz-sdk-checksum-algorithm'],
        oursOnly: ['content-md5'],
        parse: deleteRequest,
      });
    });

    it('presigned GET and PUT URLs (s3-request-presigner)', async () => {
      for (const key of ODD_KEYS) {
        for (const method of ['GET', 'PUT'] as const) {
          stubFetch();
          const ours = fetchWire(await bucket().presign(method, key, 900), { method });
          const requests: HttpRequest[] = [];
          const input = { Bucket: BUCKET, Key: key };
          const sdkUrl = await (method === 'GET' ? getSignedUrl(s3Client(requests), new GetObjectCommand(input), { expiresIn: 900 }) : getSignedUrl(s3Client(requests), new PutObjectCommand(input), { expiresIn: 900 }));
          expect(requests, 'a presigned URL is made, not sent').toHaveLength(0);
          const sdk = fetchWire(sdkUrl, { method });
          expect(signatureOf(sdk).signedHeaders).toEqual(['host']);
          expectSignedAlike(sdk, ours, { service: 's3', sdkOnlyQuery: ['x-id'] });
        }
      }
    });

    it('a bucket named with dots: path-style to AWS itself, as the SDK goes (no TLS certificate covers a dotted virtual host)', async () => {
      const dotted = 'syntropism.births.example';
      const ours = () => new S3Bucket(new AwsService(S3, config, {}), dotted);
      const key = ODD_KEYS.at(-1)!;
      const telemetry: (keyof typeof SDK_ONLY)[] = ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent'];

      const sent = stubFetch((wire) => (wire.method === 'GET' ? '<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>' : '<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>'));
      for await (const _ of ours().keys(key));
      await ours().put(key, 'body ü');
      await ours().copy(key, `${key} copy`);
      expect(sent.map((wire) => wire.host)).toEqual(Array(3).fill(`s3.${region}.amazonaws.com`));

      const list = await sdkRequest((requests) => s3Client(requests, '<ListBucketResult/>').send(new ListObjectsV2Command({ Bucket: dotted, Prefix: key })));
      expectSignedAlike(list, sent[0]!, { service: 's3', sdkOnly: telemetry });
      const put = await sdkRequest((requests) => s3Client(requests, '').send(new PutObjectCommand({ Bucket: dotted, Key: key, Body: 'body ü' })));
      expectSignedAlike(put, sent[1]!, { service: 's3', sdkOnly: [...telemetry, 'content-length', 'content-type'], sdkOnlyQuery: ['x-id'] });
      const copySource = `/${dotted}/${key.split('/').map(rfc3986).join('/')}`;
      const copy = await sdkRequest((requests) => s3Client(requests, '<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>').send(new CopyObjectCommand({ Bucket: dotted, Key: `${key} copy`, CopySource: copySource })));
      expectSignedAlike(copy, sent[2]!, { service: 's3', sdkOnly: telemetry, sdkOnlyQuery: ['x-id'] });

      for (const method of ['GET', 'PUT'] as const) {
        const url = await ours().presign(method, key, 900);
        const input = { Bucket: dotted, Key: key };
        const sdkUrl = await (method === 'GET' ? getSignedUrl(s3Client([]), new GetObjectCommand(input), { expiresIn: 900 }) : getSignedUrl(s3Client([]), new PutObjectCommand(input), { expiresIn: 900 }));
        expectSignedAlike(fetchWire(sdkUrl, { method }), fetchWire(url, { method }), { service: 's3', sdkOnlyQuery: ['x-id'] });
      }
    });
  });

  it('SQS SendMessage', async () => {
    const queueUrl = `https://sqs.${region}.amazonaws.com/123456789012/syntropism-meter`;
    const report = { reportId: 'run-1-7', agentId: 'agent-ü', leaseId: 'lease-1', at: 1_700_000_000_000, cpuMicros: 1234, llmTokens: 56, peakMemoryBytes: 7_890_000, final: true };
    const sent = stubFetch(() => '{"MessageId":"m"}');
    await new SqsMeterQueue(new AwsService(SQS, config, {}), queueUrl).send(report);
    const sdk = await sdkRequest((requests) => new SQSClient(sdkOptions(region, requests)).send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(report) })));
    expectSignedAlike(sdk, sent[0]!, {
      service: 'other',
      sdkOnly: ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent', 'content-length', 'x-amz-content-sha256', 'x-amzn-query-mode'],
      parse: JSON.parse,
    });
  });

  it('Secrets Manager GetSecretValue', async () => {
    const secretId = `arn:aws:secretsmanager:${region}:123456789012:secret:syntropism/operator-token-AbCdEf`;
    const sent = stubFetch(() => '{"SecretString":"the-token"}');
    expect(await operatorTokenSource({ OPERATOR_TOKEN_SECRET_ARN: secretId }, () => new AwsService(SECRETS_MANAGER, config, {}))()).toBe('the-token');
    const sdk = await sdkRequest((requests) => new SecretsManagerClient(sdkOptions(region, requests)).send(new GetSecretValueCommand({ SecretId: secretId })));
    expectSignedAlike(sdk, sent[0]!, { service: 'other', sdkOnly: ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent', 'content-length', 'x-amz-content-sha256'], parse: JSON.parse });
  });

  it('KMS Encrypt and ECS RunTask, ListTasks, DescribeTasks, TagResource, StopTask (the runner)', async () => {
    const taskArn = (id: string) => `arn:aws:ecs:${region}:123456789012:task/syntropism-agents/${id}`;
    const tags = [
      { key: 'syntropism:agent', value: 'agent-1' },
      { key: 'syntropism:run', value: 'run-1' },
      { key: 'syntropism:size', value: '256/512' },
    ];
    let listed = 0;
    const sent = stubFetch((wire) => {
      const operation = wire.headers['x-amz-target']!.split('.')[1]!;
      const answers: Record<string, () => object> = {
        Encrypt: () => ({ CiphertextBlob: Buffer.from('sealed').toString('base64') }),
        RunTask: () => ({ tasks: [{ taskArn: taskArn('t1') }] }),
        ListTasks: () => (listed++ % 2 === 0 ? { taskArns: [taskArn('t1')], nextToken: 'next+/token=' } : { taskArns: [taskArn('t2')] }),
        DescribeTasks: () => ({ tasks: [{ taskArn: taskArn('t1'), desiredStatus: 'RUNNING', lastStatus: 'RUNNING', tags }] }),
        TagResource: () => ({}),
        StopTask: () => ({ task: {} }),
      };
      return JSON.stringify(answers[operation]!());
    });
    const runner = new EcsRunner({
      ecs: new AwsService(ECS, config, {}),
      kms: new AwsService(KMS, config, {}),
      kmsKeyId: `arn:aws:kms:${region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      cluster: 'syntropism-agents',
      taskDefinition: 'syntropism-agent:7',
      containerName: 'agent',
      subnets: ['subnet-0a', 'subnet-0b'],
      securityGroups: ['sg-0c'],
      assignPublicIp: false,
      env: { SYNTROPISM_API_URL: 'https://api.example.com/', SYNTROPISM_NOTE: 'ü & "quotes"' },
    });
    const spec: RunSpec = {
      agentId: 'agent-1',
      runId: 'run-1',
      leaseId: 'lease-2',
      bundle: { vcpu: 0.25, memoryMiB: 512, tokens: 1000, attention: 1, durationSeconds: 600 },
      endsAt: 1_772_000_000_000,
      credential: 'cred',
      supervisorToken: 'sup',
    };
    await runner.start(spec);
    await runner.extend(spec);
    await runner.running();
    await runner.stop('agent-1');

    // Every operation the runner sends; ListTasks with and without a page's nextToken.
    expect(new Set(sent.map((wire) => wire.headers['x-amz-target']))).toEqual(
      new Set(['TrentService.Encrypt', ...['RunTask', 'ListTasks', 'DescribeTasks', 'TagResource', 'StopTask'].map((op) => `AmazonEC2ContainerServiceV20141113.${op}`)]),
    );
    expect(sent.filter((wire) => wire.body.includes('"nextToken"'))).not.toHaveLength(0);
    for (const ours of sent) {
      const [, operation] = ours.headers['x-amz-target']!.split('.');
      const input = JSON.parse(ours.body);
      const send = (requests: HttpRequest[]) => {
        switch (operation) {
          case 'Encrypt':
            // The SDK takes the plaintext as bytes and sends them base64-encoded, as ours does.
            return new KMSClient(sdkOptions(region, requests)).send(new EncryptCommand({ ...input, Plaintext: Buffer.from(input.Plaintext, 'base64') }));
          case 'RunTask':
            return new ECSClient(sdkOptions(region, requests)).send(new RunTaskCommand(input));
          case 'ListTasks':
            return new ECSClient(sdkOptions(region, requests)).send(new ListTasksCommand(input));
          case 'DescribeTasks':
            return new ECSClient(sdkOptions(region, requests)).send(new DescribeTasksCommand(input));
          case 'TagResource':
            return new ECSClient(sdkOptions(region, requests)).send(new TagResourceCommand(input));
          case 'StopTask':
            return new ECSClient(sdkOptions(region, requests)).send(new StopTaskCommand(input));
          default:
            throw new Error(`an operation this test does not know: ${operation}`);
        }
      };
      // The SDK serializes only its model's members: the same body means every name ours sends is AWS's.
      expectSignedAlike(await sdkRequest(send), ours, { service: 'other', sdkOnly: ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent', 'content-length', 'x-amz-content-sha256'], parse: JSON.parse });
    }
  });

  it('Bedrock Converse, for a model id and an inference profile ARN', async () => {
    for (const model of ['anthropic.claude-3-haiku-20240307-v1:0', `arn:aws:bedrock:${region}:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0`]) {
      const sent = stubFetch(() => JSON.stringify({ output: { message: { role: 'assistant', content: [{ text: 'hi' }] } }, usage: { inputTokens: 3, outputTokens: 1 }, stopReason: 'end_turn' }));
      const messages = [
        { role: 'system', content: 'You are an agent. ü' },
        { role: 'user', content: 'Hello "world" & more' },
      ] as const;
      await new BedrockProvider(model, new AwsService(BEDROCK_RUNTIME, config, {})).complete({ messages: [...messages], maxTokens: 256, temperature: 0.5 });
      const sdk = await sdkRequest((requests) =>
        new BedrockRuntimeClient(sdkOptions(region, requests)).send(
          new ConverseCommand({ modelId: model, system: [{ text: messages[0].content }], messages: [{ role: 'user', content: [{ text: messages[1].content }] }], inferenceConfig: { maxTokens: 256, temperature: 0.5 } }),
        ),
      );
      expectSignedAlike(sdk, sent[0]!, { service: 'other', sdkOnly: ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent', 'content-length', 'x-amz-content-sha256'], parse: JSON.parse });
    }
  });
});
