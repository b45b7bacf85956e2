import chalk from 'chalk';
import type { SingleBar } from 'cli-progress';
import type { BatchProgress, EpochMetrics, TrainEvents } from '../train/trainer';

export type ProgressMode = 'bar' | 'lines' | 'quiet' | 'json';

/** How `nnt train` reports: a bar on a terminal, plain lines in logs and pipes, or JSON. */
export function progressMode(opts: { quiet?: boolean; json?: boolean }, isTTY: boolean): ProgressMode {
  if (opts.json) return 'json';
  if (opts.quiet) return 'quiet';
  return isTTY ? 'bar' : 'lines';
}

/** Plain progress lines are printed at most this often. */
const LINE_EVERY_MS = 2000;
/** The terminal bar is redrawn at most this often. */
const BAR_EVERY_MS = 100;

export function progressReporter(mode: ProgressMode, out: NodeJS.WriteStream = process.stdout): TrainEvents & { stop(): void } {
  let bar: SingleBar | undefined;
  let lastPrint = 0;

  const describe = (p: BatchProgress) =>
    `epoch ${p.epoch}/${p.epochs}  batch ${p.batch}/${p.batches}  loss ${p.loss.toFixed(4)}  acc ${percent(p.accuracy)}  ` +
    `${Math.round(p.samplesPerSecond)} samples/s  lr ${p.learningRate}`;

  return {
    start(info) {
      if (mode === 'json') return;
      const resumed = info.resumedAt ? `, resumed at epoch ${info.resumedAt.epoch + 1} batch ${info.resumedAt.batch}` : '';
      out.write(
        `training on ${info.train.count} samples (${info.train.imageShape.join('×')}), evaluating on ${info.evalSet.count} ${info.evalSet.name} samples; ` +
          `${info.epochs} epochs of ${info.batches} batches${resumed}\n`,
      );
    },

    batch(p) {
      const now = Date.now();
      if (mode === 'lines') {
        if (now - lastPrint < LINE_EVERY_MS || p.batch === p.batches) return;
        lastPrint = now;
        out.write(`  ${describe(p)}\n`);
      } else if (mode === 'bar') {
        if (!bar) {
          const { SingleBar: Bar } = require('cli-progress') as typeof import('cli-progress');
          bar = new Bar({
            format: `${chalk.cyan('epoch {epoch}')} {bar} {value}/{total} | loss {loss} | acc {acc} | {speed} samples/s | ETA {eta_formatted}`,
            barCompleteChar: '█',
            barIncompleteChar: '░',
            hideCursor: true,
            clearOnComplete: true,
            stream: out,
            fps: 10,
          });
          bar.start(p.batches, 0, { epoch: `${p.epoch}/${p.epochs}`, loss: '-', acc: '-', speed: '-' });
          lastPrint = 0;
        }
        if (now - lastPrint < BAR_EVERY_MS && p.batch !== p.batches) return;
        lastPrint = now;
        bar.update(p.batch, {
          epoch: `${p.epoch}/${p.epochs}`,
          loss: p.loss.toFixed(4),
          acc: percent(p.accuracy),
          speed: Math.round(p.samplesPerSecond),
        });
      }
    },

    epoch(m) {
      if (bar) {
        bar.stop();
        bar = undefined;
      }
      if (mode === 'json') {
        out.write(`${JSON.stringify(m)}\n`);
        return;
      }
      const evalPart = m.evalAccuracy === null ? '' : `  ${m.evalSet} acc ${colour(percent(m.evalAccuracy), mode)}  ${m.evalSet} loss ${m.evalLoss!.toFixed(4)}`;
      out.write(
        `epoch ${String(m.epoch).padStart(String(m.epochs).length)}/${m.epochs}  train loss ${m.trainLoss.toFixed(4)}  train acc ${percent(m.trainAccuracy)}` +
          `${evalPart}  lr ${m.learningRate}  ${m.seconds.toFixed(2)}s\n`,
      );
    },

    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function colour(text: string, mode: ProgressMode): string {
  return mode === 'bar' ? chalk.green(text) : text;
}
