import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** Parsed JSON body; an empty body is `undefined`; malformed JSON is a 400. */
  json(): Promise<unknown>;
}

export interface ApiResponse {
  readonly status: number;
  /** Serialised as JSON unless `raw` is given. */
  readonly body?: unknown;
  readonly raw?: Buffer | string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * false: send as it is even to clients that accept compression. For packed binary answers (cell columns),
   * where compressing costs milliseconds per answer and saves almost nothing.
   */
  readonly compress?: boolean;
  /**
   * A long-lived answer (server-sent events): the router writes the status and the event-stream headers and
   * hands the response over; the stream owns it from then on (writes, heartbeats, end on close).
   */
  readonly stream?: (res: ServerResponse) => void;
}

export type RouteHandler = (request: ApiRequest) => ApiResponse | Promise<ApiResponse>;

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  /** Segments; `:name` captures one segment. */
  readonly pattern: string;
  /** Mutating routes need the node token. */
  readonly protected?: boolean;
  readonly handler: RouteHandler;
}

/** Maps an error thrown by a handler of one router to a response; each router scopes its own mapping. */
export type ErrorMapper = (error: unknown) => ApiResponse;
