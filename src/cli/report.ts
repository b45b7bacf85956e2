import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import { reportFigures } from '../report/build';
import { reportHtml } from '../report/html';
import { findRuns } from '../report/runs';
import { reportCharts } from '../report/terminal';

interface Options {
  out: string;
  png?: boolean;
  limit?: number;
  terminal?: boolean;
}

/** `nnt report RUN...`: an HTML page with the runs' figures, and the figures as SVG (and PNG) in a folder beside it. */
export async function run(paths: string[], opts: Options): Promise<void> {
  const runs = findRuns(paths);
  if (opts.terminal) {
    process.stdout.write(reportCharts(runs, Boolean(process.stdout.isTTY) && !process.env.NO_COLOR));
    return;
  }
  const { figures, notes } = await reportFigures(runs, { limit: opts.limit });
  const stem = basename(opts.out, extname(opts.out));
  const dir = join(dirname(opts.out), `${stem}-figures`);
  mkdirSync(dir, { recursive: true });
  for (const f of figures) {
    writeFileSync(join(dir, `${f.id}.svg`), f.svg);
    if (opts.png) writeFileSync(join(dir, `${f.id}.png`), await svgToPng(f.svg));
  }
  // The page last, in one piece: a report that is there is complete.
  writeFileAtomic(opts.out, reportHtml(runs, figures, notes));
  process.stdout.write(`report of ${runs.length} run${runs.length === 1 ? '' : 's'}: ${opts.out}\n`);
  process.stdout.write(`${figures.length} figures as SVG${opts.png ? ' and PNG' : ''} in ${relative('.', dir) || dir}/\n`);
  for (const n of notes) process.stdout.write(`${n}\n`);
}

/**
 * SVG → PNG by resvg (Rust, prebuilt for each platform inside its npm packages): Vega's own PNG
 * output needs node-canvas (Cairo), which must compile here. Twice the size, for sharp text.
 */
async function svgToPng(svg: string): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}
