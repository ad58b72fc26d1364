/**
 * Inside a local sandbox the agent API is a unix socket, the only way out of the sandbox's network
 * namespace. This serves it on a port of the sandbox's own loopback, byte for byte, so that agent
 * code can use any HTTP client.
 */
import { connect, createServer } from 'node:net';

/** Serves the socket at `socketPath` on 127.0.0.1:`port`; resolves to that URL once listening. */
export function bridgeApi(socketPath: string, port: number): Promise<string> {
  const server = createServer((client) => {
    const upstream = connect(socketPath);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('error', close);
    upstream.once('error', close);
    client.once('close', close);
    upstream.once('close', close);
  });
  server.unref();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${port}`));
  });
}
