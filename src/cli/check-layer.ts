import chalk from 'chalk';
import { checkLayer, type LayerReport } from '../check-layer/check';
import { loadLayerModule } from '../check-layer/load';
import { UserError } from '../errors';

interface Options {
  layer?: string;
  seed: number;
  json?: boolean;
}

/** nnt check-layer FILE: every exported layer class of the learner's module, checked and explained. */
export async function run(file: string, opts: Options): Promise<void> {
  const mod = await loadLayerModule(file);
  const layers = opts.layer === undefined ? mod.layers : mod.layers.filter((l) => l.name === opts.layer);
  if (layers.length === 0) throw new UserError(`${file}: exports no class ${opts.layer} (it exports ${mod.layers.map((l) => l.name).join(', ')})`);
  const reports = layers.map((layer) => checkLayer(mod, layer, { seed: opts.seed }));
  const passed = reports.every((r) => r.passed);
  if (opts.json) console.log(JSON.stringify({ file, seed: opts.seed, passed, layers: reports }, null, 2));
  else console.log(render(file, reports));
  if (!passed) process.exitCode = 1;
}

export function render(file: string, reports: LayerReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`${chalk.bold(r.name)}${r.signature ? `  ${r.signature}` : ''}`);
    for (const f of r.findings) {
      const mark = f.ok ? chalk.green('ok ') : chalk.red.bold('BUG');
      lines.push(`  ${mark} ${f.line !== undefined ? `${file}:${f.line}: ` : ''}${f.message}`);
    }
  }
  const bad = reports.filter((r) => !r.passed).length;
  lines.push(`${reports.length} layer${reports.length === 1 ? '' : 's'} checked: ${reports.length - bad} pass${bad ? `, ${bad} with problems` : ''}`);
  return lines.join('\n');
}
