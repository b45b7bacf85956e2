import { defaultShopping, shoppingDescriptions, shoppingNodes, type ShoppingOptions } from './shopping';
import { traceScalarGraph, type ScalarGraphTrace } from './scalar-graph';

export interface LossOptions extends ShoppingOptions {
  budget: number;
}

export interface LossTrace extends ScalarGraphTrace {
  topic: 'loss';
  options: LossOptions;
}

export const defaultBudget = 700;

/**
 * The shopping graph ending in a loss, as a network's graph does: L = (price − budget)².
 * Backward starts from dL/dL = 1, and every gradient is how much the loss moves per unit of
 * that input. The square is diff × diff, one × node with the same input twice: each copy
 * receives dL/d(loss)·diff, and the two shares add up to 2·diff.
 */
export function explainLoss(options: Partial<LossOptions> = {}): LossTrace {
  const o = { ...defaultShopping, budget: defaultBudget, ...options };
  const leaves = { apple: o.applePrice, apple_num: o.apples, orange: o.orangePrice, orange_num: o.oranges, tax: o.tax, budget: o.budget };
  const nodes = [
    ...shoppingNodes,
    { name: 'sub_budget_layer', op: 'sub' as const, inputs: ['price', 'budget'] as [string, string], output: 'diff' },
    { name: 'square_layer', op: 'mul' as const, inputs: ['diff', 'diff'] as [string, string], output: 'L' },
  ];
  const descriptions = { ...shoppingDescriptions, budget: 'what we meant to pay', diff: 'over budget by', L: 'the loss (price − budget)²' };
  return { topic: 'loss', options: o, ...traceScalarGraph(nodes, leaves, descriptions) };
}
