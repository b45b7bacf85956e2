import { traceScalarGraph, type ScalarGraphTrace, type ScalarNode } from './scalar-graph';

/** The chapter's shopping example: what changes the total, and by how much per unit? */
export interface ShoppingOptions {
  apples: number;
  applePrice: number;
  oranges: number;
  orangePrice: number;
  tax: number;
}

export const defaultShopping: ShoppingOptions = { apples: 2, applePrice: 100, oranges: 3, orangePrice: 150, tax: 1.1 };

export interface ShoppingTrace extends ScalarGraphTrace {
  topic: 'shopping';
  options: ShoppingOptions;
}

/** The book's variable and layer names, so the trace reads next to its code. */
export const shoppingNodes: ScalarNode[] = [
  { name: 'mul_apple_layer', op: 'mul', inputs: ['apple', 'apple_num'], output: 'apple_price' },
  { name: 'mul_orange_layer', op: 'mul', inputs: ['orange', 'orange_num'], output: 'orange_price' },
  { name: 'add_apple_orange_layer', op: 'add', inputs: ['apple_price', 'orange_price'], output: 'all_price' },
  { name: 'mul_tax_layer', op: 'mul', inputs: ['all_price', 'tax'], output: 'price' },
];

export const shoppingDescriptions: Record<string, string> = {
  apple: 'price of one apple',
  apple_num: 'number of apples',
  orange: 'price of one orange',
  orange_num: 'number of oranges',
  tax: 'tax factor',
  apple_price: 'cost of the apples',
  orange_price: 'cost of the oranges',
  all_price: 'before tax',
  price: 'total to pay',
};

export function explainShopping(options: Partial<ShoppingOptions> = {}): ShoppingTrace {
  const o = { ...defaultShopping, ...options };
  const leaves = { apple: o.applePrice, apple_num: o.apples, orange: o.orangePrice, orange_num: o.oranges, tax: o.tax };
  return { topic: 'shopping', options: o, ...traceScalarGraph(shoppingNodes, leaves, shoppingDescriptions) };
}
