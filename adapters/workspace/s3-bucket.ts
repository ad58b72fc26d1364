/**
 * One S3 bucket, through the few calls the workspace adapters make: list a prefix, put, copy,
 * delete, and presign a GET or PUT of one object. Requests go to `<bucket>.s3.<region>.amazonaws.com`
 * in AWS, and path-style to an emulator's endpoint (as the SDK's `forcePathStyle`).
 */
import { createHash } from 'node:crypto';
import { AwsError, escapeUri, type AwsService, type ServiceSpec } from '../aws/service.js';

export const S3: ServiceSpec = { id: 'S3', endpointPrefix: 's3', signingName: 's3', s3: true };

/** An object key as S3 wants it in a path: each segment encoded, the slashes kept. */
const encodeKey = (key: string) => key.split('/').map(escapeUri).join('/');

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** The text of an XML element's content. */
const unescapeXml = (text: string) =>
  text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (entity, name: string) =>
    name.startsWith('#x') || name.startsWith('#X') ? String.fromCodePoint(parseInt(name.slice(2), 16)) : name.startsWith('#') ? String.fromCodePoint(Number(name.slice(1))) : (XML_ENTITIES[name] ?? entity),
  );
const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&${Object.keys(XML_ENTITIES).find((name) => XML_ENTITIES[name] === c)!};`);
/** Every `<tag>` element's text in `xml` (the elements named here hold text only). */
const elements = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => unescapeXml(m[1]!));

export class S3Bucket {
  constructor(
    private readonly s3: AwsService,
    readonly name: string,
  ) {}

  /** The keys under `prefix`, page by page. */
  async *keys(prefix: string): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const res = await this.s3.send(await this.request('GET', '', { 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) }));
      const xml = await res.text();
      for (const contents of xml.match(/<Contents>[\s\S]*?<\/Contents>/g) ?? []) yield elements(contents, 'Key')[0]!;
      token = elements(xml, 'IsTruncated')[0] === 'true' ? elements(xml, 'NextContinuationToken')[0] : undefined;
    } while (token);
  }

  async put(key: string, body: string): Promise<void> {
    await this.s3.send({ ...(await this.request('PUT', key)), body });
  }

  async copy(from: string, to: string): Promise<void> {
    const res = await this.s3.send({ ...(await this.request('PUT', to)), headers: { 'x-amz-copy-source': `/${this.name}/${encodeKey(from)}` } });
    // A copy can fail after S3 has answered 200: the error is then in the body.
    const xml = await res.text();
    if (xml.includes('<Error>')) throw new AwsError(elements(xml, 'Code')[0] ?? 'CopyFailed', elements(xml, 'Message')[0] ?? `copy of ${from} failed`, res.status);
  }

  /** Deletes `keys` (at most 1,000), all or with an error. */
  async delete(keys: readonly string[]): Promise<void> {
    const body = `<Delete><Quiet>true</Quiet>${keys.map((key) => `<Object><Key>${escapeXml(key)}</Key></Object>`).join('')}</Delete>`;
    const res = await this.s3.send({
      ...(await this.request('POST', '', { delete: '' })),
      headers: { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(body).digest('base64') },
      body,
    });
    const xml = await res.text();
    if (xml.includes('<Error>')) throw new AwsError(elements(xml, 'Code')[0] ?? 'DeleteFailed', `${elements(xml, 'Key')[0] ?? 'an object'}: ${elements(xml, 'Message')[0] ?? 'not deleted'}`, res.status);
  }

  /** A URL that GETs or PUTs the object at `key`, for `expiresIn` seconds. */
  async presign(method: 'GET' | 'PUT', key: string, expiresIn: number): Promise<string> {
    return this.s3.presign(await this.request(method, key), expiresIn);
  }

  /** The request for `key` (or the bucket, for ''): virtual-hosted in AWS, path-style to an emulator. */
  private async request(method: string, key: string, query: Record<string, string> = {}) {
    const pathStyle = this.s3.customEndpoint || this.name.includes('.');
    const path = `${pathStyle ? `/${this.name}` : ''}/${encodeKey(key)}`;
    return { method, path, query, ...(pathStyle ? {} : { host: `${this.name}.${(await this.s3.endpoint()).hostname}` }) };
  }
}
