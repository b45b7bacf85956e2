import * as asciichart from 'asciichart';
import type { EpochMetrics } from '../train/trainer';
import type { ReportRun } from './runs';

/**
 * Curves as text, drawn by asciichart: for `nnt report --terminal` and the small chart
 * `nnt train` prints after each epoch on a terminal. With `colour`, each run has its own ANSI
 * colour; without, the lines are told apart by the legend's order only.
 */

const COLOURS = [asciichart.cyan, asciichart.magenta, asciichart.yellow, asciichart.green, asciichart.blue, asciichart.red];

/**
 * A series stretched by linear interpolation to `step` columns per point, so a few epochs still
 * draw a curve; by default as many as fit `width` columns.
 */
export function stretch(values: number[], width: number, step = Math.max(1, Math.floor((width - 1) / (values.length - 1)))): number[] {
  if (values.length < 2) return values;
  const out: number[] = [];
  for (let i = 0; i < values.length - 1; i++) {
    for (let k = 0; k < step; k++) out.push(values[i] + ((values[i + 1] - values[i]) * k) / step);
  }
  out.push(values[values.length - 1]);
  return out;
}

export interface Curve {
  label: string;
  values: number[];
}

/** One chart: a title, the plot, and a legend when there are several curves. */
export function textChart(title: string, curves: Curve[], opts: { height?: number; width?: number; colour?: boolean; format?: (x: number) => string } = {}): string {
  const drawn = curves.filter((c) => c.values.length > 0);
  if (drawn.length === 0) return `${title}: no values\n`;
  const width = opts.width ?? 48;
  const format = opts.format ?? ((x: number) => x.toFixed(4));
  // One step for all curves, so their epochs line up.
  const longest = Math.max(...drawn.map((c) => c.values.length));
  const step = Math.max(1, Math.floor((width - 1) / Math.max(1, longest - 1)));
  const plot = asciichart.plot(
    drawn.map((c) => stretch(c.values, width, step)),
    {
      height: opts.height ?? 8,
      colors: opts.colour ? drawn.map((_, i) => COLOURS[i % COLOURS.length]) : undefined,
      format: (x) => format(x).padStart(9),
    },
  );
  const legend =
    drawn.length > 1 || drawn[0].label
      ? `\n${drawn.map((c, i) => `  ${opts.colour ? asciichart.colored('──', COLOURS[i % COLOURS.length]) : `(${i + 1})`} ${c.label}`).join('\n')}`
      : '';
  return `${title}\n${plot}${legend}\n`;
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * `nnt report --terminal`: each run's evaluated loss and accuracy per epoch, and the training
 * loss. In colour the runs share a chart; without colour their lines could not be told apart,
 * so each run gets its own.
 */
export function reportCharts(runs: ReportRun[], colour: boolean): string {
  if (!colour && runs.length > 1) return runs.map((run) => `== ${run.label} ==\n${reportCharts([run], false)}`).join('\n');
  const evalName = runs.flatMap((r) => r.metrics).find((m) => m.evalSet)?.evalSet ?? 'test';
  const series = (pick: (m: EpochMetrics) => number | null) =>
    runs.map((r) => ({ label: r.label, values: r.metrics.map(pick).filter((v): v is number => v !== null && v !== undefined) }));
  return [
    textChart(`${evalName} loss per epoch`, series((m) => m.evalLoss), { colour }),
    textChart(`${evalName} accuracy per epoch`, series((m) => m.evalAccuracy), { colour, format: percent }),
    textChart('train loss per epoch', series((m) => m.trainLoss), { colour }),
  ].join('\n');
}

/** After an epoch of `nnt train` on a terminal: the evaluated loss and accuracy so far, small. Empty before two evaluated epochs. */
export function epochChart(history: EpochMetrics[], colour = true): string {
  const evaluated = history.filter((m) => m.evalLoss !== null && m.evalAccuracy !== null);
  if (evaluated.length < 2) return '';
  const set = evaluated[0].evalSet;
  const opts = { height: 4, width: 40, colour };
  return (
    textChart(`${set} loss`, [{ label: '', values: evaluated.map((m) => m.evalLoss!) }], opts) +
    textChart(`${set} accuracy`, [{ label: '', values: evaluated.map((m) => m.evalAccuracy!) }], { ...opts, format: percent })
  );
}
