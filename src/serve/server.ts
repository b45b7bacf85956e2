import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Dataset } from '../data/dataset';
import { loadTestSet, loadTrainSet } from '../data/source';
import type { Config } from '../io/config-schema';
import { newestWeights } from '../io/runs';
import { readWeights, type WeightsDocument } from '../io/weights';
import { explainSteps, PAGE_TOPICS } from './explain-steps';
import { allowedHosts, checkHostAndOrigin, HttpError, readJsonBody, send, sendError, sendEvent, sendJson, startEventStream } from './http';
import { PageModel } from './model';
import { prepareDrawing } from './prepare';
import { TrainingSession } from './training';
import type { TopicName } from '../explain/topics';

export interface ServeOptions {
  /** The config the Train panel trains (validated, with any command-line overrides applied). */
  config: Config;
  /** Names the config in messages. */
  where: string;
  /** Weights for the Draw and Look-inside panels; default: the newest weights file under `runs/`. */
  weights?: string;
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
}

export interface RunningServer {
  url: string;
  /** Where the page's weights came from (a file, or the config's initial weights). */
  weightsSource: string;
  /** Stops training (it checkpoints) and closes the server. */
  close(): Promise<void>;
}

/** The page and the libraries it loads, by URL: nothing else on disk is ever served. */
function assetTable(): Map<string, { file: string; type: string }> {
  const page = resolve(__dirname, '../../src/serve/page');
  const uplot = dirname(require.resolve('uplot'));
  const viz = dirname(require.resolve('@viz-js/viz'));
  const js = 'text/javascript; charset=utf-8', css = 'text/css; charset=utf-8';
  return new Map([
    ['/', { file: join(page, 'index.html'), type: 'text/html; charset=utf-8' }],
    ['/app.js', { file: join(page, 'app.js'), type: js }],
    ['/style.css', { file: join(page, 'style.css'), type: css }],
    ['/vendor/uPlot.iife.min.js', { file: join(uplot, 'uPlot.iife.min.js'), type: js }],
    ['/vendor/uPlot.min.css', { file: join(uplot, 'uPlot.min.css'), type: css }],
    ['/vendor/viz-global.js', { file: join(viz, 'viz-global.js'), type: js }],
  ]);
}

/** `nnt serve`: the page, its API and the training worker, on one HTTP server. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const assets = assetTable();
  const clients = new Set<ServerResponse>();
  const broadcast = (event: string, data: unknown) => clients.forEach((res) => sendEvent(res, event, data));

  const weightsFile = options.weights ?? newestWeights();
  let model = weightsFile ? modelFromWeights(readWeights(weightsFile), weightsFile) : modelFromConfig(options.config);
  let testSet: Dataset | undefined;
  const testSamples = () => (testSet ??= loadTestSet(model.config.data));

  const training = new TrainingSession(options.config, options.where, {
    status: (status) => broadcast('status', status),
    batch: (point) => broadcast('batch', point),
    epoch: (metrics) => broadcast('epoch', metrics),
    warning: (message) => {
      process.stderr.write(`nnt: warning: ${message}\n`);
      broadcast('warning', { message });
    },
    values: (values) => {
      model.setValues(values, 'training (latest weights)');
      broadcast('values', { source: model.source });
    },
  });

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void> = {
    'GET /api/state': (_req, res) =>
      sendJson(res, 200, { source: model.source, config: options.where, training: training.status(), topics: PAGE_TOPICS, drawable: model.inputSize === 784 }),
    'POST /api/predict': async (req, res) => sendJson(res, 200, predict(model, await readJsonBody(req))),
    'GET /api/first-layer': (_req, res) => {
      const first = model.firstLayer();
      if (!first) return sendError(res, 404, 'this network has no affine layer');
      sendJson(res, 200, { shape: first.shape, float32le: Buffer.from(Float32Array.from(first.values).buffer).toString('base64'), source: model.source });
    },
    'GET /api/mistakes': (_req, res) => sendJson(res, 200, { ...model.mistakes(testSamples(), 32, 1000), source: model.source }),
    'GET /api/explain': (_req, res, url) => {
      const topic = url.searchParams.get('topic') as TopicName;
      if (!PAGE_TOPICS.includes(topic)) return sendError(res, 404, `no such topic (known: ${PAGE_TOPICS.join(', ')})`);
      sendJson(res, 200, explainSteps(topic));
    },
    'GET /api/events': (req, res) => {
      startEventStream(res);
      sendEvent(res, 'history', { status: training.status(), batches: training.batchPoints, epochs: training.epochMetrics });
      clients.add(res);
      req.on('close', () => clients.delete(res));
    },
    'POST /api/train/start': (req, res) => startTraining(req, res, false),
    'POST /api/train/resume': (req, res) => startTraining(req, res, true),
    'POST /api/train/stop': async (req, res) => {
      await readJsonBody(req);
      await training.stop();
      sendJson(res, 200, training.status());
    },
  };

  async function startTraining(req: IncomingMessage, res: ServerResponse, resume: boolean): Promise<void> {
    await readJsonBody(req); // nothing in it is used: the server's config decides the run
    const refused = training.start(resume);
    if (refused) return sendError(res, 409, refused);
    // The Draw panel follows the run: a model of the training config, fed the worker's snapshots.
    if (model.config !== options.config) {
      model = modelFromConfig(options.config);
      testSet = undefined;
    }
    sendJson(res, 200, training.status());
  }

  let allowed = new Set<string>();
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      if (error instanceof HttpError) return sendError(res, error.status, error.message);
      sendError(res, 500, error instanceof Error ? error.message : String(error));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = checkHostAndOrigin(req, allowed);
    if (refused) return sendError(res, 403, refused);
    const url = new URL(req.url ?? '/', 'http://local');
    const route = routes[`${req.method} ${url.pathname}`];
    if (route) return route(req, res, url);
    // Compared as sent: an encoded or dotted path is simply not one of the asset names.
    const asset = req.method === 'GET' ? assets.get(url.pathname) : undefined;
    if (asset && (req.url ?? '').split('?')[0] === url.pathname) return send(res, 200, readFileSync(asset.file), asset.type);
    sendError(res, 404, 'not found');
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  allowed = allowedHosts(host, port);
  const shownHost = host.includes(':') ? `[${host}]` : host;

  const keepAlive = setInterval(() => clients.forEach((res) => res.write(': keep-alive\n\n')), 15000);
  return {
    url: `http://${shownHost}:${port}/`,
    weightsSource: model.source,
    async close() {
      clearInterval(keepAlive);
      await training.stop();
      clients.forEach((res) => res.end());
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

function predict(model: PageModel, body: unknown): unknown {
  const { width, height, grey } = (body ?? {}) as { width?: unknown; height?: unknown; grey?: unknown };
  if (!(Number.isInteger(width) && Number.isInteger(height) && (width as number) > 0 && (height as number) > 0 && (width as number) * (height as number) <= 1024 * 1024)) {
    throw new HttpError(400, 'width and height must be positive integers (at most 1024×1024 pixels in all)');
  }
  if (typeof grey !== 'string') throw new HttpError(400, 'grey must be the pixels as base64');
  const pixels = new Uint8Array(Buffer.from(grey, 'base64'));
  if (pixels.length !== (width as number) * (height as number)) throw new HttpError(400, `grey has ${pixels.length} bytes, not width×height = ${(width as number) * (height as number)}`);
  if (model.inputSize !== 784) throw new HttpError(400, `this network takes ${model.inputSize} inputs, not a 28×28 image`);
  const x = prepareDrawing(pixels, width as number, height as number);
  // The page shows what the net sees as grey bytes; the net itself gets the floats.
  const shown = Uint8Array.from(x, (v) => Math.round(255 * v));
  return { input: Buffer.from(shown).toString('base64'), ...model.predict(x), source: model.source };
}

function modelFromWeights(doc: WeightsDocument, file: string): PageModel {
  const model = new PageModel(doc.config, doc.inputSize, doc.classes);
  model.load(doc, file);
  return model;
}

/** The config's network with its seeded initial weights, sized by its data. */
function modelFromConfig(config: Config): PageModel {
  const train = loadTrainSet(config.data);
  return new PageModel(config, config.inputSize ?? train.sampleSize, train.classes);
}
