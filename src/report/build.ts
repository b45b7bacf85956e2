import { analyseTestSet, firstLayerTiles } from './analysis';
import { confusionSpec, curveSpec, learningRateSpec, renderSvg } from './charts';
import type { Figure } from './html';
import { weightTilesSvg, wrongDigitsSvg } from './images';
import type { ReportRun } from './runs';

/** Names safe as file names: "two-layer (2)" → "two-layer-2". */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
}

/**
 * Every figure of the report, in order: the curves of all runs together, then for each run
 * whose weights were found, its confusion matrix, wrong digits and first-layer weights.
 */
export async function reportFigures(runs: ReportRun[], opts: { limit?: number } = {}): Promise<{ figures: Figure[]; notes: string[] }> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const trained = runs.filter((run) => run.metrics.length > 0);
  if (trained.length) {
    figures.push(
      { id: 'loss', title: 'Loss per epoch', svg: await renderSvg(curveSpec(trained, 'loss')) },
      { id: 'accuracy', title: 'Accuracy per epoch', svg: await renderSvg(curveSpec(trained, 'accuracy')) },
      { id: 'learning-rate', title: 'Learning rate', svg: await renderSvg(learningRateSpec(trained)) },
    );
  }
  for (const run of runs) {
    if (!run.metrics.length) notes.push(`${run.label}: no metrics file beside ${run.metricsFile} (an imported model?), so no curves.`);
    if (!run.weights || !run.weightsFile) {
      notes.push(`${run.label}: no weights beside ${run.metricsFile}, so no confusion matrix, wrong digits or weight images.`);
      continue;
    }
    const id = slug(run.label);
    const analysis = analyseTestSet(run.weights, run.weightsFile, opts.limit);
    figures.push({ id: `${id}-confusion`, title: `${run.label}: confusion matrix`, svg: await renderSvg(confusionSpec(analysis, run.label)) });
    if (analysis.wrong.length) figures.push({ id: `${id}-wrong`, title: `${run.label}: most confidently wrong test digits`, svg: wrongDigitsSvg(analysis.wrong) });
    else notes.push(`${run.label}: no test digit is wrong.`);
    const tiles = firstLayerTiles(run.weights, analysis.wrong[0]?.shape);
    if (tiles) figures.push({ id: `${id}-weights`, title: `${run.label}: first layer's weights`, svg: weightTilesSvg(tiles) });
    else notes.push(`${run.label}: its first parameter (${run.weights.params[0]?.name}) cannot be drawn as images.`);
  }
  return { figures, notes };
}
