import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { serve, type Served } from './serve-helpers';

// Plain HTTP against the built `nnt serve`: each safety rule of the server, one by one.
jest.setTimeout(600_000);

interface Reply {
  status: number;
  body: string;
}

/** A raw request: the path goes out exactly as written (no normalising of `..` or `%2e`). */
function raw(port: number, method: string, path: string, headers: Record<string, string | null> = {}, body?: string | Buffer, host = '127.0.0.1'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // Host: null sends no Host header at all.
    const all = { Host: `127.0.0.1:${port}`, ...headers };
    const req = request({ host, port, method, path, setHost: false, headers: Object.fromEntries(Object.entries(all).filter(([, v]) => v !== null)) }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const json = { 'Content-Type': 'application/json' };
const dir = mkdtempSync(join(tmpdir(), 'nnt-serve-safety-'));
let server: Served;

beforeAll(async () => {
  server = await serve(dir, '--limit', '300', '--epochs', '100000', '--out', 'runs/safe/w.json', '--backend', 'ts');
});
afterAll(async () => {
  if (server.proc.exitCode === null) await server.stop();
});

test('listens on 127.0.0.1 by default, on a free port, and says so', async () => {
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  expect(server.port).toBeGreaterThan(0);
  expect((await raw(server.port, 'GET', '/')).status).toBe(200);
  const outside = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
  if (outside) await expect(raw(server.port, 'GET', '/', {}, undefined, outside.address)).rejects.toThrow(/ECONNREFUSED/);
});

test('a Host header that is not the server (DNS rebinding) is refused', async () => {
  expect((await raw(server.port, 'GET', '/api/state', { Host: 'evil.example' })).status).toBe(403);
  expect((await raw(server.port, 'GET', '/api/state', { Host: `evil.example:${server.port}` })).status).toBe(403);
  expect((await raw(server.port, 'GET', '/api/state', { Host: `127.0.0.1:${server.port + 1}` })).status).toBe(403);
  // No Host at all: node's parser refuses it (400) before the server's own check would (403).
  expect([400, 403]).toContain((await raw(server.port, 'GET', '/', { Host: null })).status);
  expect((await raw(server.port, 'GET', '/api/state', { Host: `localhost:${server.port}` })).status).toBe(200);
});

test('an Origin that is not the server is refused, for reads and for actions', async () => {
  const evil = { Origin: 'http://evil.example' };
  expect((await raw(server.port, 'GET', '/api/state', evil)).status).toBe(403);
  expect((await raw(server.port, 'POST', '/api/train/start', { ...json, ...evil }, '{}')).status).toBe(403);
  expect((await raw(server.port, 'POST', '/api/train/start', { ...json, Origin: `https://127.0.0.1:${server.port}` }, '{}')).status).toBe(403);
  expect((await raw(server.port, 'GET', '/api/state', { Origin: `http://127.0.0.1:${server.port}` })).status).toBe(200);
});

test('request bodies are capped, with or without a Content-Length', async () => {
  const big = Buffer.alloc(2 << 20, 0x41);
  expect((await raw(server.port, 'POST', '/api/predict', json, big)).status).toBe(413);
  expect((await raw(server.port, 'POST', '/api/predict', { ...json, 'Transfer-Encoding': 'chunked' }, big)).status).toBe(413);
  // The server is still there.
  expect((await raw(server.port, 'GET', '/api/state')).status).toBe(200);
});

test('only its own assets are served: traversal in any spelling is a 404', async () => {
  for (const path of [
    '/../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/..%5c..%5cetc%5cpasswd',
    '/vendor/../../package.json',
    '/vendor/%2e%2e/%2e%2e/package.json',
    '/app.js/../../../../etc/passwd',
    '//etc/passwd',
    '/%252e%252e/etc/passwd',
    '/src/serve/page/app.js',
    '/package.json',
    '/index.html',
  ]) {
    const r = await raw(server.port, 'GET', path);
    expect([path, r.status]).toEqual([path, 404]);
    expect(r.body).not.toMatch(/root:|"name": "nnt"/);
  }
  expect((await raw(server.port, 'GET', '/vendor/uPlot.iife.min.js')).status).toBe(200);
});

test('actions need a JSON body (a cross-site form cannot send one) and the right method', async () => {
  expect((await raw(server.port, 'POST', '/api/train/start', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'a=1')).status).toBe(415);
  expect((await raw(server.port, 'GET', '/api/train/start')).status).toBe(404);
  expect((await raw(server.port, 'POST', '/api/predict', json, '{not json')).status).toBe(400);
  expect((await raw(server.port, 'POST', '/api/predict', json, '{"width": 3, "height": 3, "grey": "AAAA"}')).status).toBe(400);
});

test('one training at a time; files only in the run folder, whatever the client asks; closing the page leaves the server', async () => {
  // The body's fields are ignored: the server's own config decides where the run writes.
  const asked = JSON.stringify({ out: '/tmp/elsewhere.json', config: '/etc/passwd', weights: '../../x.json' });
  const first = await raw(server.port, 'POST', '/api/train/start', json, asked);
  expect(first.status).toBe(200);
  const second = await raw(server.port, 'POST', '/api/train/start', json, '{}');
  expect(second.status).toBe(409);
  expect(JSON.parse(second.body).error).toMatch(/already going.*one run at a time/);

  // A page that connects to the event stream and goes away does not stop anything.
  await new Promise<void>((resolve) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: { Host: `127.0.0.1:${server.port}` } }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.end();
  });
  const state = JSON.parse((await raw(server.port, 'GET', '/api/state')).body);
  expect(state.training.state).toBe('running');

  const stopped = JSON.parse((await raw(server.port, 'POST', '/api/train/stop', json, '{}')).body);
  expect(stopped.state).toBe('stopped');
  const files = filesUnder(dir);
  expect(files).toContain('runs/safe/w.checkpoint.json');
  for (const file of files) expect(file).toMatch(/^runs\/safe\/w\./);
  expect(existsSync('/tmp/elsewhere.json')).toBe(false);
});

test('no eval: the server and the page never evaluate text', () => {
  const root = join(__dirname, '../src/serve');
  for (const file of ['server.ts', 'http.ts', 'model.ts', 'training.ts', 'train-worker.ts', 'explain-steps.ts', 'page/app.js']) {
    const source = readFileSync(join(root, file), 'utf8');
    expect([file, /\beval\s*\(|new Function\s*\(|innerHTML|insertAdjacentHTML|document\.write/.test(source)]).toEqual([file, false]);
  }
});

test('Ctrl-C stops a running training (checkpoint written) and then the server', async () => {
  const own = await serve(dir, '--limit', '300', '--epochs', '100000', '--out', 'runs/ctrlc/w.json', '--backend', 'ts');
  expect((await raw(own.port, 'POST', '/api/train/start', json, '{}')).status).toBe(200);
  // Wait until the worker is well into the run (the metrics file exists by the end of its first epoch).
  while (!existsSync(join(dir, 'runs/ctrlc/w.metrics.jsonl'))) await new Promise((r) => setTimeout(r, 100));
  expect(await own.stop()).toBe(0);
  expect(own.output()).toMatch(/stopping/);
  expect(existsSync(join(dir, 'runs/ctrlc/w.checkpoint.json'))).toBe(true);
  await expect(raw(own.port, 'GET', '/')).rejects.toThrow(/ECONNREFUSED/);
});

test('--host other than loopback warns that others can reach it', async () => {
  const open = await serve(dir, '--host', '0.0.0.0');
  expect(open.output()).toMatch(/warning: serving on 0\.0\.0\.0: anyone who can reach it can start training and write files/);
  expect((await raw(open.port, 'GET', '/api/state')).status).toBe(200);
  expect(await open.stop()).toBe(0);
});

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)));
}
