import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body the server reads: a drawing's grey pixels are well under it. */
export const MAX_BODY_BYTES = 1 << 20;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The Host names the server answers to. A DNS-rebinding page reaches 127.0.0.1 under its own
 * name (Host: evil.example), so any other name is refused; likewise an Origin other than ours.
 */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', host.includes(':') ? `[${host}]` : host]);
  return new Set([...names].map((name) => `${name}:${port}`.toLowerCase()));
}

/** Why a request's Host or Origin header is refused, or undefined when both are ours. */
export function checkHostAndOrigin(req: IncomingMessage, allowed: Set<string>): string | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowed.has(host)) return `Host ${JSON.stringify(req.headers.host ?? '')} is not this server`;
  const origin = req.headers.origin;
  if (origin !== undefined && !allowed.has(origin.toLowerCase().replace(/^http:\/\//, ''))) return `Origin ${JSON.stringify(origin)} is not this server`;
  if (origin !== undefined && !origin.toLowerCase().startsWith('http://')) return `Origin ${JSON.stringify(origin)} is not this server`;
  return undefined;
}

/**
 * The body as JSON, refused past MAX_BODY_BYTES (by Content-Length at once, or while reading).
 * A refused body is read on and dropped rather than cut off, so the client gets the 413
 * instead of a reset connection; past DRAIN_LIMIT_BYTES the connection is closed.
 */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return Promise.reject(new HttpError(415, 'send JSON (Content-Type: application/json)'));
  const tooLarge = new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0, refused = Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES;
    if (refused) reject(tooLarge);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (refused) {
        if (size > DRAIN_LIMIT_BYTES) req.destroy();
        return;
      }
      if (size > MAX_BODY_BYTES) {
        refused = true;
        chunks.length = 0;
        return reject(tooLarge);
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (refused) return;
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text === '' ? {} : JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'the body is not JSON'));
      }
    });
  });
}

const DRAIN_LIMIT_BYTES = 64 << 20;

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // Only our own scripts; Graphviz compiles its WebAssembly in the page ('wasm-unsafe-eval' allows that and no eval).
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'",
};

export function send(res: ServerResponse, status: number, body: string | Buffer, type: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

export function startEventStream(res: ServerResponse): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  res.write(': nnt\n\n');
}

export function sendEvent(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
