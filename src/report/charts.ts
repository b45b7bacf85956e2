import type { ReportRun } from './runs';
import type { TestAnalysis } from './analysis';

/**
 * The report's charts as Vega-Lite specs (plain data, testable without rendering), and their
 * rendering to SVG by Vega in Node. Vega-Lite because one short declarative spec gives axes,
 * legends and layered marks that look the same in the HTML, as SVG and as PNG.
 */
export type ChartSpec = Record<string, unknown>;

const WIDTH = 360, HEIGHT = 220;

/** One row per run, epoch and set: what the curve charts plot. */
export function curveRows(runs: ReportRun[], metric: 'loss' | 'accuracy'): { run: string; epoch: number; set: string; value: number }[] {
  return runs.flatMap((run) =>
    run.metrics.flatMap((m) => {
      const rows = [{ run: run.label, epoch: m.epoch, set: 'train', value: metric === 'loss' ? m.trainLoss : m.trainAccuracy }];
      const evalValue = metric === 'loss' ? m.evalLoss : m.evalAccuracy;
      if (m.evalSet && evalValue !== null && evalValue !== undefined) rows.push({ run: run.label, epoch: m.epoch, set: m.evalSet, value: evalValue });
      return rows;
    }),
  );
}

export function curveSpec(runs: ReportRun[], metric: 'loss' | 'accuracy'): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: metric === 'loss' ? 'Loss per epoch' : 'Accuracy per epoch',
    width: WIDTH,
    height: HEIGHT,
    data: { values: curveRows(runs, metric) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 }, scale: { zero: false } },
      y: {
        field: 'value',
        type: 'quantitative',
        title: metric,
        scale: { zero: false },
        ...(metric === 'accuracy' ? { axis: { format: '.1%' } } : {}),
      },
      color: { field: 'run', type: 'nominal', title: 'run' },
      strokeDash: { field: 'set', type: 'nominal', title: 'set', sort: ['train'], legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 300, encode: { symbols: { update: { stroke: { value: '#444' } } } } } },
    },
  };
}

export function learningRateSpec(runs: ReportRun[]): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Learning rate (last batch of each epoch)',
    width: WIDTH,
    height: 160,
    data: { values: runs.flatMap((run) => run.metrics.map((m) => ({ run: run.label, epoch: m.epoch, lr: m.learningRate }))) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 }, scale: { zero: false } },
      y: { field: 'lr', type: 'quantitative', title: 'learning rate' },
      color: { field: 'run', type: 'nominal', title: 'run' },
    },
  };
}

/** The confusion matrix as a heatmap: colour is the share of the true class (row), the number is the count. */
export function confusionSpec(a: TestAnalysis, label: string): ChartSpec {
  const c = a.classes;
  const values = [];
  for (let t = 0; t < c; t++) {
    let row = 0;
    for (let p = 0; p < c; p++) row += a.confusion[t * c + p];
    for (let p = 0; p < c; p++) {
      const count = a.confusion[t * c + p];
      values.push({ true: t, predicted: p, count, share: row ? count / row : 0 });
    }
  }
  const axis = (title: string) => ({ field: title, type: 'ordinal', title: `${title} class`, axis: { labelAngle: 0 } });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Confusion matrix: ${label} (${a.count} test samples, ${(100 * a.accuracy).toFixed(2)}% right)`,
    width: 300,
    height: 300,
    data: { values },
    encoding: { x: axis('predicted'), y: axis('true') },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'share', type: 'quantitative', title: 'share of row', scale: { scheme: 'blues', domain: [0, 1] } } } },
      {
        mark: { type: 'text', fontSize: 9 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

/**
 * Vega-Lite → Vega → SVG, in Node, without a canvas (text is measured by Vega's estimate).
 * vega and vega-lite are ES modules: loaded with import(), which works from this CommonJS build.
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const vega = await import('vega');
  const vl = await import('vega-lite');
  const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
