import chalk from 'chalk';
import type { SingleBar } from 'cli-progress';
import type { Config } from '../io/config-schema';
import type { BatchProgress, EpochMetrics, TrainEvents } from '../train/trainer';
import { epochChart } from '../report/terminal';

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
  const history: EpochMetrics[] = [];

  const describe = (p: BatchProgress) =>
    `epoch ${p.epoch}/${p.epochs}  batch ${p.batch}/${p.batches}  loss ${p.loss.toFixed(4)}  acc ${percent(p.accuracy)}  ` +
    `${Math.round(p.samplesPerSecond)} samples/s  lr ${formatRate(p.learningRate)}`;

  return {
    start(info) {
      if (mode === 'json') return;
      const resumed = info.resumedAt ? `, resumed at epoch ${info.resumedAt.epoch + 1} batch ${info.resumedAt.batch}` : '';
      out.write(
        `training on ${info.train.count} samples (${info.train.imageShape.join('×')}), evaluating on ${info.evalSet.count} ${info.evalSet.name} samples; ` +
          `${info.epochs} epochs of ${info.batches} batches${resumed}\n${describeTraining(info.config, info.evalSet.name)}\n`,
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
            format: `${chalk.cyan('epoch {epoch}')} {bar} {value}/{total} | loss {loss} | acc {acc} | lr {lr} | {speed} samples/s | ETA {eta_formatted}`,
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
          lr: formatRate(p.learningRate),
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
          `${evalPart}  lr ${formatRate(m.learningRate)}  ${m.seconds.toFixed(2)}s\n`,
      );
      // On a terminal: the evaluated loss and accuracy so far as small text charts.
      history.push(m);
      if (mode === 'bar') out.write(epochChart(history, !process.env.NO_COLOR));
    },

    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** One line on how the network learns: optimizer, learning rate and schedule, regularisation, stopping. */
export function describeTraining(config: Config, evalName: string): string {
  const t = config.training;
  const { type, ...hyper } = t.optimizer;
  const settings = Object.entries(hyper).map(([k, v]) => `${k} ${v}`);
  const parts = [`${type}${settings.length ? ` (${settings.join(', ')})` : ''}`, `learning rate ${formatRate(t.learningRate)}`];
  const { type: scheduleType, warmupSteps, warmupEpochs, ...scheduleSettings } = t.schedule as Config['training']['schedule'] & Record<string, unknown>;
  if (scheduleType !== 'constant') {
    parts.push(`${scheduleType} schedule${Object.keys(scheduleSettings).length ? ` (${Object.entries(scheduleSettings).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`);
  }
  if (warmupSteps) parts.push(`warm-up ${warmupSteps} batches`);
  if (warmupEpochs) parts.push(`warm-up ${warmupEpochs} epoch${warmupEpochs === 1 ? '' : 's'}`);
  if (t.weightDecay) parts.push(`weight decay ${t.weightDecay}`);
  if (t.clipNorm !== undefined) parts.push(`gradient norm clipped at ${t.clipNorm}`);
  if (t.earlyStopping) parts.push(`early stopping on ${evalName} ${t.earlyStopping.metric} (patience ${t.earlyStopping.patience})`);
  return parts.join(', ');
}

/** A learning rate to four significant digits, without trailing zeros: 0.1, 0.0009755. */
export function formatRate(lr: number): string {
  return String(Number(lr.toPrecision(4)));
}

function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function colour(text: string, mode: ProgressMode): string {
  return mode === 'bar' ? chalk.green(text) : text;
}
