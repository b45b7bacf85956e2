import type { Config } from '../io/config-schema';
import { escapeXml } from './images';
import type { ReportRun } from './runs';

/** A figure of the report: its file name (without extension), heading and SVG. */
export interface Figure {
  id: string;
  title: string;
  svg: string;
}

/**
 * The report as one HTML page that needs nothing else: the figures are inline SVG (their
 * images are data URLs), the style is inline, there is no script and no link to fetch.
 */
export function reportHtml(runs: ReportRun[], figures: Figure[], notes: string[] = []): string {
  // Each SVG carries its own title (so the files stand alone); the section names it for screen readers.
  const sections = figures.map((f) => `<section class="figure" id="${f.id}" aria-label="${escapeXml(f.title)}">\n${f.svg}\n</section>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>nnt report: ${escapeXml(runs.map((r) => r.label).join(', '))}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
main { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }
section.figure { flex: 0 0 auto; }
</style>
</head>
<body>
<h1>nnt report</h1>
${runsTable(runs)}
${notes.map((n) => `<p class="note">${escapeXml(n)}</p>`).join('\n')}
<main>
${sections.join('\n')}
</main>
</body>
</html>
`;
}

/** The runs' configs and final figures, one row per run. */
export function runsTable(runs: ReportRun[]): string {
  const head = ['run', 'network', 'optimizer', 'learning rate', 'batch', 'seed', 'epochs', 'train loss', 'eval loss', 'eval accuracy', 'time', 'weights'];
  const rows = runs.map((run) => {
    const last = run.metrics.at(-1); // none for an imported model
    const config = run.weights?.config;
    const seconds = run.metrics.reduce((s, m) => s + (m.seconds ?? 0), 0);
    const cells: [string, boolean][] = [
      [run.label, false],
      [config ? describeLayers(config) : '-', false],
      [config ? config.training.optimizer.type : '-', false],
      [config ? String(config.training.learningRate) : '-', true],
      [config ? String(config.data.batchSize) : '-', true],
      [config ? String(config.training.seed) : '-', true],
      [last ? String(last.epoch) : '-', true],
      [last ? last.trainLoss.toFixed(4) : '-', true],
      [last?.evalLoss == null ? '-' : `${last.evalLoss.toFixed(4)} (${last.evalSet})`, true],
      [last?.evalAccuracy == null ? '-' : `${(100 * last.evalAccuracy).toFixed(2)}%`, true],
      [`${seconds.toFixed(1)} s`, true],
      [run.weightsFile ?? 'not found', false],
    ];
    return `<tr>${cells.map(([text, num]) => `<td${num ? ' class="num"' : ''}>${escapeXml(text)}</td>`).join('')}</tr>`;
  });
  return `<table class="runs"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** "affine 50 → relu → affine 10". */
export function describeLayers(config: Config): string {
  return config.layers.map((l) => [l.type, (l as { units?: number }).units].filter((x) => x !== undefined).join(' ')).join(' → ');
}
