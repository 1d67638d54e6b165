/**
 * An HTTP proxy in front of a server for fault injection: it can hold matching requests for a while before
 * forwarding them (a slow storage backend). A request whose client went away while held is never forwarded,
 * like a write that died with its process.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { freePort } from './proc.js';

export interface FaultProxy {
  readonly url: string;
  /** Requests held so far. */
  readonly held: () => number;
  close(): Promise<void>;
}

export async function startFaultProxy(
  target: string,
  opts: { delayMs: (req: IncomingMessage) => number; port?: number },
): Promise<FaultProxy> {
  const t = new URL(target);
  let held = 0;
  const server: Server = createServer((req, res) => {
    const delay = opts.delayMs(req);
    // Buffer the body while holding, so nothing reaches the backend before the delay is over.
    const body: Buffer[] = [];
    let clientGone = false;
    req.on('data', (b: Buffer) => body.push(b));
    res.on('close', () => {
      if (!res.writableFinished) clientGone = true;
    });
    req.on('end', () => {
      if (delay > 0) held++;
      setTimeout(() => {
        if (clientGone) return;
        const up = httpRequest(
          { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(body));
      }, delay);
    });
  });
  const port = opts.port ?? (await freePort());
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    held: () => held,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
