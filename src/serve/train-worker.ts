import { parentPort, workerData } from 'node:worker_threads';
import { createKernels } from '../core/backend';
import type { Config } from '../io/config-schema';
import { readWeights } from '../io/weights';
import type { Network } from '../net/network';
import { train } from '../train/trainer';

/**
 * The training worker: runs the same `train()` as `nnt train` (same config, seed and files),
 * off the server's thread so the page stays responsive. It reports to the server by messages;
 * the server asks it to stop through a shared flag, which `shouldStop` polls after every
 * batch, as Ctrl-C does for the CLI (the trainer then writes the checkpoint).
 */
export interface WorkerInput {
  config: Config;
  where: string;
  /** A checkpoint file to continue from. */
  resume?: string;
  /** Int32Array over it: [0] is set to 1 to ask for a stop. */
  stop: SharedArrayBuffer;
}

/** How often the worker sends batch points and the network's values (ms): enough for a live chart. */
const BATCH_EVERY_MS = 100;
const VALUES_EVERY_MS = 1000;

async function main(input: WorkerInput): Promise<void> {
  const port = parentPort!;
  const stop = new Int32Array(input.stop);
  const kernels = createKernels(input.config.training.backend, { threads: input.config.training.threads });
  let network: Network | undefined;
  let lastBatch = 0, lastValues = 0;
  const sendValues = () => {
    if (!network) return;
    // Copies: the trainer keeps updating its arrays in place.
    const values = [...network.params().map((p) => p.value.slice()), ...network.stateArrays().map((s) => s.value.slice())];
    port.postMessage({ type: 'values', values });
    lastValues = performance.now();
  };
  try {
    const resume = input.resume === undefined ? undefined : readWeights(input.resume);
    const outcome = await train({
      config: input.config,
      where: input.where,
      kernels,
      resume,
      shouldStop: () => Atomics.load(stop, 0) === 1,
      warn: (message) => port.postMessage({ type: 'warning', message }),
      events: {
        start: (info) => {
          network = info.network;
          port.postMessage({ type: 'start', epochs: info.epochs, batches: info.batches, resumedAt: info.resumedAt });
          sendValues();
        },
        batch: (p) => {
          const now = performance.now();
          if (now - lastBatch >= BATCH_EVERY_MS || p.batch === p.batches) {
            port.postMessage({ type: 'batch', progress: { ...p } });
            lastBatch = now;
          }
          if (now - lastValues >= VALUES_EVERY_MS) sendValues();
        },
        epoch: (metrics) => {
          port.postMessage({ type: 'epoch', metrics });
          sendValues();
        },
      },
    });
    sendValues();
    port.postMessage({ type: 'done', status: outcome.status, message: outcome.message ?? null, paths: outcome.paths });
  } catch (error) {
    port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  } finally {
    kernels.dispose?.();
  }
}

if (parentPort) void main(workerData as WorkerInput);
