/**
 * A pass-through HTTP proxy in front of the local backend that records every Step Functions task
 * token on the wire (GetActivityTask answers, SendTask* requests), so a test knows the secrets a
 * worker held without the backend ever revealing one. Resets travel through: a response the
 * backend dropped is dropped for the worker too.
 */
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The proxy's address and the tokens seen so far. */
export interface TokenRecorder {
  readonly url: string;
  readonly tokens: Set<string>;
}

/** Starts the proxy to `target` (the backend's URL); closed in `after`. */
export async function startTokenRecorder(
  t: { after(fn: () => Promise<void> | void): void },
  target: string,
): Promise<TokenRecorder> {
  const upstream = new URL(target);
  const tokens = new Set<string>();
  const record = (body: string): void => {
    const token = /"taskToken"\s*:\s*"([^"]+)"/.exec(body)?.[1];
    if (token) tokens.add(token);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      record(body.toString('utf8'));
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const text = Buffer.concat(parts);
            record(text.toString('utf8'));
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(text);
          });
          answer.on('error', () => res.destroy());
        },
      );
      forward.on('error', () => res.destroy());
      // The worker went away (it stopped): so does the upstream call, as a real connection would.
      res.on('close', () => {
        if (!res.writableFinished) forward.destroy();
      });
      forward.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close').catch(() => {});
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tokens };
}
