/**
 * Clients of the node's server-sent events (`GET /visualizer/api/events`) for tests and benches: one that reads
 * every `update` like EventSource does, and one that sends the request and never reads (a stalled browser tab).
 */
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';

const EVENTS_PATH = '/visualizer/api/events';

/** Follows the stream; calls `onUpdate(receivedAtMs, data)` for every update. Returns a closer. */
export function followEvents(port: number, onUpdate: (at: number, data: unknown) => void): () => void {
  let res: IncomingMessage | undefined;
  const req = request({ host: '127.0.0.1', port, path: EVENTS_PATH, headers: { accept: 'text/event-stream' } }, (r) => {
    res = r;
    let buf = '';
    r.setEncoding('utf8');
    r.on('data', (d: string) => {
      buf += d;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const data = frame
          .split('\n')
          .find((l) => l.startsWith('data: '))
          ?.slice(6);
        if (frame.includes('event: update') && data) onUpdate(performance.now(), JSON.parse(data));
      }
    });
    r.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  req.end();
  return () => {
    res?.destroy();
    req.destroy();
  };
}

/** Opens the stream and never reads from it: the node must skip updates for it rather than buffer them. */
export function stalledEventsClient(port: number): () => void {
  const socket = connect(port, '127.0.0.1', () => {
    socket.write(`GET ${EVENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    socket.pause();
  });
  socket.on('error', () => undefined);
  return () => socket.destroy();
}
