import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { chromium } from 'playwright-core';
import { progressReporter } from '../src/cli/progress';
import { curveRows, confusionSpec, curveSpec } from '../src/report/charts';
import { firstLayerTiles } from '../src/report/analysis';
import { diverging } from '../src/report/images';
import { findRuns, type ReportRun } from '../src/report/runs';
import { epochChart, stretch, textChart } from '../src/report/terminal';
import { encodeArray, type WeightsDocument } from '../src/io/weights';
import type { EpochMetrics } from '../src/train/trainer';

const bin = join(__dirname, '../bin/nnt');
const dir = mkdtempSync(join(tmpdir(), 'nnt-report-'));
/** Where the browser test leaves its screenshot for people to look at. */
const testOutput = join(__dirname, '../test-output');

function nnt(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function epoch(e: number, evalLoss: number | null, evalAccuracy: number | null): EpochMetrics {
  return { epoch: e, epochs: 3, step: e * 10, learningRate: 0.1 / e, trainLoss: 1 / e, trainAccuracy: 0.5 + e / 10, evalSet: evalLoss === null ? null : 'test', evalLoss, evalAccuracy, seconds: 1 };
}

describe('report pieces', () => {
  const run: ReportRun = { label: 'a', metricsFile: 'a.metrics.jsonl', metrics: [epoch(1, 0.9, 0.7), epoch(2, null, null), epoch(3, 0.5, 0.8)] };

  test('curve rows: train every epoch, test where evaluated', () => {
    const rows = curveRows([run], 'accuracy');
    expect(rows.filter((r) => r.set === 'train').map((r) => r.value)).toEqual([0.6, 0.7, 0.8].map((x) => expect.closeTo(x, 12)));
    expect(rows.filter((r) => r.set === 'test')).toEqual([
      { run: 'a', epoch: 1, set: 'test', value: 0.7 },
      { run: 'a', epoch: 3, set: 'test', value: 0.8 },
    ]);
    expect((curveSpec([run], 'loss').encoding as Record<string, { field: string }>).color.field).toBe('run');
  });

  test('confusion heatmap: one cell per (true, predicted), coloured by the share of the row', () => {
    const spec = confusionSpec({ count: 4, accuracy: 0.75, classes: 2, confusion: Int32Array.from([2, 1, 0, 1]), wrong: [] }, 'a');
    expect((spec.data as { values: unknown[] }).values).toEqual([
      { true: 0, predicted: 0, count: 2, share: 2 / 3 },
      { true: 0, predicted: 1, count: 1, share: 1 / 3 },
      { true: 1, predicted: 0, count: 0, share: 0 },
      { true: 1, predicted: 1, count: 1, share: 1 },
    ]);
  });

  test('weight tiles: a column per unit of an affine W, a filter per tile of a conv W', () => {
    const doc = (shape: number[], values: Float64Array) => ({ params: [encodeArray('p', shape, values)] }) as unknown as WeightsDocument;
    const affine = firstLayerTiles(doc([4, 3], Float64Array.from({ length: 12 }, (_, i) => i)), [2, 2])!;
    expect(affine.tiles.map((t) => Array.from(t))).toEqual([[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]]);
    const conv = firstLayerTiles(doc([2, 1, 3, 3], Float64Array.from({ length: 18 }, (_, i) => i)))!;
    expect([conv.height, conv.width, conv.tiles.length, conv.tiles[1][0]]).toEqual([3, 3, 2, 9]);
    expect(firstLayerTiles(doc([5], new Float64Array(5)))).toBeNull();
  });

  test('diverging colours: blue, white, red', () => {
    expect(diverging(-1)).toEqual([33, 102, 172]);
    expect(diverging(0)).toEqual([255, 255, 255]);
    expect(diverging(1)).toEqual([178, 24, 43]);
  });

  test('text charts: stretched curves that share their epochs', () => {
    expect(stretch([0, 1], 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const chart = textChart('loss', [{ label: 'a', values: [3, 2, 1] }, { label: 'b', values: [3, 1] }], { height: 4, width: 21 });
    expect(chart.split('\n')[0]).toBe('loss');
    expect(chart).toContain('(1) a');
    expect(chart).toContain('(2) b');
    expect(chart).not.toMatch(/\x1b/);
  });

  test('nnt train draws the chart after each epoch on a terminal, never in plain lines', () => {
    const written = (mode: 'bar' | 'lines') => {
      let text = '';
      const out = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
      const reporter = progressReporter(mode, out);
      for (const m of run.metrics) reporter.epoch!(m);
      return text;
    };
    expect(written('lines')).not.toMatch(/[┼┤╭╮╰╯]/);
    const bar = written('bar');
    expect(bar.match(/test loss\n/g)).toHaveLength(1); // from the second evaluated epoch on
    expect(bar).toMatch(/test accuracy\n/);
    expect(epochChart(run.metrics.slice(0, 2))).toBe('');
  });

  test('bad inputs are named', () => {
    expect(() => findRuns([join(dir, 'nothing')])).toThrow(/nothing: no such run folder or metrics file/);
    const bad = join(dir, 'bad.metrics.jsonl');
    writeFileSync(bad, '{"epoch":1,"trainLoss":1}\nnot json\n');
    expect(() => findRuns([bad])).toThrow(/bad\.metrics\.jsonl: line 2 is not JSON/);
    mkdirSync(join(dir, 'empty'));
    expect(() => findRuns([join(dir, 'empty')])).toThrow(/empty: has no metrics files/);
  });
});

describe('nnt report, end to end and in a browser', () => {
  const out = join(dir, 'out', 'report.html');
  const figures = join(dir, 'out', 'report-figures');

  beforeAll(() => {
    // Two small runs, as nnt compare writes them: one folder each under runs/.
    for (const [name, lr] of [['slow', '0.05'], ['fast', '0.3']]) {
      const r = nnt('train', '--limit', '600', '--epochs', '3', '--lr', lr, '--out', join(dir, 'runs', name, 'weights.json'), '--quiet');
      expect(r.stderr).toBe('');
    }
    const r = nnt('report', join(dir, 'runs'), '--out', out, '--png', '--limit', '300');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 600_000);

  test('one self-contained HTML page, the figures as SVG and PNG beside it', () => {
    const html = readFileSync(out, 'utf8');
    const ids = ['loss', 'accuracy', 'learning-rate', ...['fast', 'slow'].flatMap((r) => [`${r}-confusion`, `${r}-wrong`, `${r}-weights`])];
    expect(readdirSync(figures).sort()).toEqual(ids.flatMap((id) => [`${id}.png`, `${id}.svg`]).sort());
    for (const id of ids) {
      expect(html).toContain(`id="${id}"`);
      const png = PNG.sync.read(readFileSync(join(figures, `${id}.png`)));
      expect(png.width).toBeGreaterThan(100);
    }
    // Nothing to fetch: no scripts, no stylesheets or images from elsewhere.
    expect(html).not.toMatch(/<script|<link|(src|href)="(?!data:|#)/);
    expect(html).toContain('<td>fast</td>');
  });

  test('a weights file without metrics beside it (an imported model): no curves, the rest drawn', () => {
    const model = join(dir, 'model.onnx');
    expect(nnt('export', join(dir, 'runs', 'fast', 'weights.json'), '--format', 'onnx', '--out', model).code).toBe(0);
    expect(nnt('import', model, '--out', join(dir, 'imported.json')).code).toBe(0);
    const r = nnt('report', join(dir, 'imported.json'), '--out', join(dir, 'imported', 'report.html'), '--limit', '300');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/imported: no metrics file beside .*imported\.json .*so no curves/);
    expect(readdirSync(join(dir, 'imported', 'report-figures')).sort()).toEqual(['imported-confusion.svg', 'imported-weights.svg', 'imported-wrong.svg']);
  }, 600_000);

  test('--terminal prints the curves as text charts', () => {
    const r = nnt('report', '--terminal', join(dir, 'runs'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/== fast ==\ntest loss per epoch\n/);
    expect(r.stdout).toMatch(/== slow ==/);
    expect(r.stdout).toMatch(/[╭╮╰╯─]/);
    expect(r.stdout).not.toMatch(/\x1b/); // a pipe gets no colour codes
  }, 600_000);

  test('headless Chromium renders every chart with marks, without console errors; screenshot saved', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.setDefaultTimeout(300_000); // a hang guard only: a loaded machine may be slow
      const problems: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('request', (r) => !/^(file|data):/.test(r.url()) && problems.push(`fetched ${r.url()}`));
      await page.goto(`file://${out}`);
      // In each figure, the data marks (Vega's role-mark groups, the image grids) that have a visible size.
      const marks = await page.$$eval('section.figure', (sections) =>
        sections.map((s) => {
          const drawn = Array.from(s.querySelectorAll('svg g.role-mark > *')).filter((e) => {
            const b = (e as unknown as { getBBox(): { width: number; height: number } }).getBBox();
            return b.width > 0 || b.height > 0;
          });
          return [s.id, drawn.length] as const;
        }),
      );
      expect(marks).toHaveLength(9);
      for (const [id, count] of marks) expect([id, count > 0]).toEqual([id, true]);
      const images = await page.$$eval('svg image', (els) => els.length);
      expect(images).toBeGreaterThan(20);
      expect(problems).toEqual([]);
      mkdirSync(testOutput, { recursive: true });
      await page.screenshot({ path: join(testOutput, 'report.png') });
      expect(existsSync(join(testOutput, 'report.png'))).toBe(true);
    } finally {
      await browser.close();
    }
  }, 600_000);
});
