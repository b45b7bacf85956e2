import { UsageError } from '../errors';
import { explainAffine, type AffineTrace } from './affine';
import { explainConv, explainPool, type ConvTrace, type PoolTrace } from './conv';
import { explainRelu, type ReluTrace } from './relu';
import { explainShopping, type ShoppingOptions, type ShoppingTrace } from './shopping';
import { explainSigmoid, type SigmoidTrace } from './sigmoid';
import { explainSoftmaxLoss, type SoftmaxLossTrace } from './softmax-loss';
import { explainLoss, type LossTrace } from './loss';
import { explainSigmoidGraph, type SigmoidGraphTrace } from './sigmoid-graph';
import { explainTrainStep, type TrainStepTrace } from './train-step';

export type ExplainTrace =
  | ShoppingTrace | AffineTrace | SoftmaxLossTrace | ReluTrace | SigmoidTrace | LossTrace | SigmoidGraphTrace | TrainStepTrace | ConvTrace | PoolTrace;
export type TopicName = ExplainTrace['topic'];

export interface ExplainOptions {
  /** shopping */
  shopping?: Partial<ShoppingOptions>;
  /** affine and softmax-loss: the seed of their small random numbers */
  seed?: number;
  /** relu and sigmoid: the inputs to evaluate at (sigmoid-graph: the first) */
  at?: number[];
  /** loss: what we meant to pay */
  budget?: number;
}

export const topics: { name: TopicName; summary: string; options: (keyof ExplainOptions)[] }[] = [
  { name: 'shopping', summary: 'the chapter\'s apples-and-oranges graph: forward values, backward gradients, node by node', options: ['shopping'] },
  { name: 'affine', summary: 'out = X·W + b on a 2×3 batch: dX, dW, db written out as sums, with their shapes', options: ['seed'] },
  { name: 'softmax-loss', summary: 'scores → softmax → cross-entropy: why the gradient is (y − t)/N and where backward starts', options: ['seed'] },
  { name: 'relu', summary: 'ReLU\'s local derivative is its mask; why there is none at 0', options: ['at'] },
  { name: 'sigmoid', summary: 'Sigmoid\'s local derivative y(1 − y), from the cached output', options: ['at'] },
  { name: 'loss', summary: 'the shopping graph ending in a loss (price − budget)²: backward starts at dL/dL = 1', options: ['shopping', 'budget'] },
  { name: 'sigmoid-graph', summary: 'sigmoid as the book draws it: ×(−1), exp, +1, 1/x nodes, and how their product is y(1 − y)', options: ['at'] },
  { name: 'train-step', summary: 'one whole training step of a 4-3-2 net on 2 samples: every entry forward, backward, and the update', options: ['seed'] },
  { name: 'conv', summary: 'a 2×2 filter over a 4×4 image: the im2col matrix, out = col·w, dW = colᵀ·dout, dx by col2im, as sums', options: ['seed'] },
  { name: 'pool', summary: 'max pooling 2×2: which input was each maximum, and where its gradient goes', options: ['seed'] },
];

/** Runs one topic. An unknown topic, or an option the topic does not take, is a UsageError (exit code 2 on the command line). */
export function explain(topic: string, options: ExplainOptions = {}): ExplainTrace {
  const entry = topics.find((t) => t.name === topic);
  if (!entry) throw new UsageError(`unknown explain topic '${topic}' (known: ${topics.map((t) => t.name).join(', ')})`);
  for (const key of Object.keys(options) as (keyof ExplainOptions)[]) {
    if (options[key] !== undefined && !entry.options.includes(key)) {
      throw new UsageError(`explain ${topic} does not take ${optionFlags[key]} (used by: ${topics.filter((t) => t.options.includes(key)).map((t) => t.name).join(', ')})`);
    }
  }
  switch (entry.name) {
    case 'shopping':
      return explainShopping(options.shopping);
    case 'affine':
      return explainAffine({ seed: options.seed });
    case 'softmax-loss':
      return explainSoftmaxLoss({ seed: options.seed });
    case 'relu':
      return explainRelu(options.at);
    case 'sigmoid':
      return explainSigmoid(options.at);
    case 'loss':
      return explainLoss({ ...options.shopping, ...(options.budget !== undefined && { budget: options.budget }) });
    case 'sigmoid-graph':
      return explainSigmoidGraph(options.at?.[0]);
    case 'train-step':
      return explainTrainStep({ seed: options.seed });
    case 'conv':
      return explainConv({ seed: options.seed });
    case 'pool':
      return explainPool({ seed: options.seed });
  }
}

const optionFlags: Record<keyof ExplainOptions, string> = {
  shopping: '--apples, --apple-price, --oranges, --orange-price and --tax',
  seed: '--seed',
  at: '--at',
  budget: '--budget',
};
