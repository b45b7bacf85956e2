import { Rng } from '../core/rng';
import { DEFAULT_H, DEFAULT_THRESHOLD, relativeError } from '../net/gradcheck';
import { diagnose } from './diagnose';
import { describeLayer, editDistance, methodLine, parameterNames, type LayerDescription } from './describe';
import { errorLine, firstLine, type LoadedLayer, type LoadedModule } from './load';
import { build, deepCopy, flatten, getEntry, setEntry, shapeOf, shapeText, sizeOfShape, type Value } from './values';

export interface Finding {
  ok: boolean;
  message: string;
  /** The line of the learner's file to look at, when known. */
  line?: number;
}

export interface LayerReport {
  name: string;
  /** e.g. "forward(x, y), numbers" or "forward(x (2, 3)); params W (3, 4), b (4,)". */
  signature: string;
  findings: Finding[];
  passed: boolean;
}

export interface CheckLayerOptions {
  seed?: number;
  h?: number;
  threshold?: number;
}

type Instance = Record<string, unknown>;
type Method = (...args: unknown[]) => unknown;

/** Thrown inside the check when a finding makes the rest of it meaningless. */
class Stop extends Error {}

/**
 * Checks one layer class of a learner's module as the book checks its layers: builds it,
 * feeds seeded random inputs, runs backward with a random dL/d(out) = r (so the loss is
 * L = Σ out·r), and compares every gradient it returns, and every this.dNAME it stores, with
 * the central difference (L(v+h) − L(v−h)) / 2h. Then checks what a layer must also get
 * right: forward called twice before backward, backward called twice, inputs left unchanged.
 */
export function checkLayer(mod: LoadedModule, layer: LoadedLayer, options: CheckLayerOptions = {}): LayerReport {
  const findings: Finding[] = [];
  const report = (signature = '') => ({ name: layer.name, signature, findings, passed: findings.every((f) => f.ok) });
  const ctx = new Context(mod, layer, findings, options);
  try {
    ctx.run();
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
  }
  return report(ctx.signature);
}

class Context {
  signature = '';
  private readonly full: string;
  private readonly rng: Rng;
  private readonly h: number;
  private readonly threshold: number;
  private desc!: LayerDescription;
  private paramValues: Value[] = [];

  constructor(
    private readonly mod: LoadedModule,
    private readonly layer: LoadedLayer,
    private readonly findings: Finding[],
    options: CheckLayerOptions,
  ) {
    this.full = require('node:path').resolve(mod.file);
    this.rng = Rng.stream(options.seed ?? 1, `check-layer ${layer.name}`);
    this.h = options.h ?? DEFAULT_H;
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
  }

  run(): void {
    const forward = this.method('forward');
    const backward = this.method('backward');
    if (!forward || !backward) throw new Stop();
    this.desc = describeLayer(this.layer, this.mod.file, forward);
    const { inputs, params } = this.desc;
    this.signature =
      `forward(${inputs.map((i) => (i.shape.length ? `${i.name} (${i.shape.join('×')})` : i.name)).join(', ')})` +
      (inputs.every((i) => i.shape.length === 0) ? ', numbers' : '') +
      (params.length ? `; learns ${params.map((p) => `${p.name} (${p.shape.join('×') || 'a number'})`).join(', ')}` : '');
    this.paramValues = params.map((p) => this.random(p.shape));

    const xs = inputs.map((i) => this.random(i.shape));
    const { r, grads, paramGrads } = this.analytic(xs);
    if (this.compare(xs, r, grads, paramGrads)) {
      const names = [...inputs.map((i) => `d${i.name}`), ...params.map((p) => `d${p.name}`)].join(', ');
      const verb = inputs.length + params.length > 1 ? 'agree' : 'agrees';
      this.pass(`${names} ${verb} with the central difference (h = ${this.h}, relative error < ${this.threshold.toExponential(0)})`);
    }
    this.checkState(xs, r, grads);
  }

  /** The method, or a finding: "did you mean forward?" when a near name exists. */
  private method(name: 'forward' | 'backward'): Method | undefined {
    const proto = this.layer.cls.prototype as Record<string, unknown>;
    if (typeof proto[name] === 'function') return proto[name] as Method;
    const names = Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, n)?.value === 'function');
    const near = names.find((n) => n.toLowerCase() === name || editDistance(n.toLowerCase(), name) <= 2);
    if (near) {
      const line = methodLine(this.mod.source, this.layer.name, near);
      this.fail(`no method ${name}, but ${near} exists: did you mean ${name}?`, line);
    } else {
      this.fail(`no method ${name}: a layer needs forward(…) and backward(dout)${names.length ? ` (it has ${names.join(', ')})` : ''}`);
    }
    return undefined;
  }

  private construct(): Instance {
    try {
      return new this.layer.cls(...this.paramValues.map(deepCopy)) as Instance;
    } catch (error) {
      this.fail(`the constructor threw ${firstLine(error)}`, errorLine(error, this.full) ?? methodLine(this.mod.source, this.layer.name, 'constructor'));
      throw new Stop();
    }
  }

  /** Calls forward or backward, turning a throw into a finding that names the line (and, for a ReferenceError, the parameter names). */
  private call(instance: Instance, name: 'forward' | 'backward', args: unknown[]): unknown {
    try {
      return (instance[name] as Method).apply(instance, args);
    } catch (error) {
      let hint = '';
      const undefinedName = error instanceof ReferenceError ? /^(\S+) is not defined/.exec(error.message)?.[1] : undefined;
      if (undefinedName) {
        const names = parameterNames(instance[name] as Method);
        hint = names.length ? ` — ${name}'s parameter${names.length > 1 ? 's are' : ' is'} named ${names.join(', ')}` : ': a name used but never defined';
      }
      this.fail(`${name} threw ${firstLine(error)}${hint}`, errorLine(error, this.full) ?? methodLine(this.mod.source, this.layer.name, name));
      throw new Stop();
    }
  }

  /** forward, then backward with a random r; the gradients as values, one per input, and the this.dNAME ones. */
  private analytic(xs: Value[]): { r: Value; grads: Value[]; paramGrads: Value[] } {
    const instance = this.construct();
    const out = this.call(instance, 'forward', xs.map(deepCopy));
    if (out === undefined) {
      this.fail('forward returns nothing: missing `return`?', methodLine(this.mod.source, this.layer.name, 'forward'));
      throw new Stop();
    }
    const outShape = shapeOf(out);
    if (!outShape) {
      this.fail(`forward returned ${describe(out)}, not a number or an array of numbers`, methodLine(this.mod.source, this.layer.name, 'forward'));
      throw new Stop();
    }
    const r = this.random(outShape);
    const returned = this.call(instance, 'backward', [deepCopy(r)]);
    const backwardLine = methodLine(this.mod.source, this.layer.name, 'backward');
    if (returned === undefined) {
      this.fail('backward returns nothing: missing `return`?', backwardLine);
      throw new Stop();
    }
    const grads = this.split(returned, backwardLine).map((g) => deepCopy(g));
    const paramGrads = this.desc.params.map((p) => {
      const g = instance[`d${p.name}`];
      if (g === undefined) this.fail(`backward does not set this.d${p.name}, the gradient of ${p.name}`, backwardLine);
      return g === undefined ? undefined : deepCopy(g as Value);
    });
    return { r, grads, paramGrads: paramGrads as Value[] };
  }

  /** backward's return value as one gradient per input: the value itself for one input, [dx, dy] for two. */
  private split(returned: unknown, line?: number): Value[] {
    const { inputs } = this.desc;
    if (inputs.length === 1) return [returned as Value];
    const names = inputs.map((i) => i.name).join(', ');
    if (!Array.isArray(returned) || returned.length !== inputs.length) {
      const got = Array.isArray(returned) ? `${returned.length} values` : describe(returned);
      this.fail(`backward returned ${got}, but forward takes ${inputs.length} inputs (${names}): return [${inputs.map((i) => `d${i.name}`).join(', ')}], one gradient per input`, line);
      throw new Stop();
    }
    return returned as Value[];
  }

  /** Every gradient against the central difference; true when all agree. */
  private compare(xs: Value[], r: Value, grads: Value[], paramGrads: Value[]): boolean {
    const { inputs, params } = this.desc;
    const line = methodLine(this.mod.source, this.layer.name, 'backward');
    const instance = this.construct();
    const loss = (args: Value[]) => dot(this.call(instance, 'forward', args.map(deepCopy)) as Value, r);
    const numericalInput = inputs.map((input, k) => this.numerical(input.shape, (i, step) => {
      const nudged = xs.map(deepCopy);
      nudged[k] = nudgedValue(nudged[k], input.shape, i, step);
      return loss(nudged);
    }));
    const numericalParam = params.map((p) => this.numerical(p.shape, (i, step) => {
      const held = instance[p.name] as Value;
      if (p.shape.length === 0) instance[p.name] = (held as number) + step;
      else setEntry(held, p.shape, i, getEntry(held, p.shape, i) + step);
      const value = loss(xs);
      if (p.shape.length === 0) instance[p.name] = held;
      else setEntry(held, p.shape, i, getEntry(held, p.shape, i) - step);
      return value;
    }));
    const entries = [
      ...inputs.map((input, k) => ({ name: input.name, shape: input.shape, grad: grads[k], numerical: numericalInput[k], returned: true })),
      ...params.map((p, k) => ({ name: p.name, shape: p.shape, grad: paramGrads[k], numerical: numericalParam[k], returned: false })),
    ];
    let good = true;
    for (const e of entries) {
      if (e.grad === undefined) {
        good = false;
        continue;
      }
      const shape = shapeOf(e.grad);
      if (!shape || shape.join() !== e.shape.join()) {
        good = false;
        this.fail(this.shapeMessage(e.name, shape, e.shape, e.grad), line);
        continue;
      }
      const a = flatten(e.grad);
      const worst = Math.max(...a.map((v, i) => (Number.isNaN(v) ? Infinity : relativeError(v, e.numerical[i]))));
      if (worst < this.threshold) continue;
      good = false;
      const swapped = entries.find((o) => o !== e && o.shape.join() === e.shape.join() && a.every((v, i) => relativeError(v, o.numerical[i]) < this.threshold));
      if (swapped) this.fail(`d${e.name} holds what d${swapped.name} should be: the gradients are swapped (MulLayer: dx = dout·y, dy = dout·x)`, line);
      else this.fail(diagnose(`d${e.name}`, e.shape, a, e.numerical, this.batchSize()), line);
    }
    return good;
  }

  private shapeMessage(name: string, shape: number[] | undefined, expected: number[], grad: unknown): string {
    if (!shape) return `d${name} is ${describe(grad)}, not a number or an array of numbers`;
    const all = [...this.desc.inputs, ...this.desc.params];
    const other = all.find((o) => o.name !== name && o.shape.join() === shape.join());
    const sizeTwin = other ?? all.find((o) => o.name !== name && sizeOfShape(o.shape) === sizeOfShape(shape) && shape.length > 0);
    let message = `d${name} has ${shapeText(shape)}, but ${name} has ${shapeText(expected)}: a gradient has the shape of its input`;
    if (other) message += ` (it has the shape of ${other.name}: the gradients in the wrong order, or the gradient of ${other.name}?)`;
    else if (sizeTwin) message += ` (it has as many values as ${sizeTwin.name}: the gradient of ${sizeTwin.name}?)`;
    else if (sizeOfShape(shape) === sizeOfShape(expected)) message += ' (as many values, arranged differently: a transpose too many or missing?)';
    return message;
  }

  /** The first input's first dimension, when it looks like a batch (an array of rows). */
  private batchSize(): number | undefined {
    const shape = this.desc.inputs[0].shape;
    return shape.length >= 2 && shape[0] > 1 ? shape[0] : undefined;
  }

  /** Central differences of L over the entries of a value of `shape`; loss(i, step) nudges entry i by step. */
  private numerical(shape: number[], loss: (i: number, step: number) => number): number[] {
    return Array.from({ length: sizeOfShape(shape) }, (_, i) => (loss(i, this.h) - loss(i, -this.h)) / (2 * this.h));
  }

  /** forward twice before backward; backward twice; inputs and dout left as they were. */
  private checkState(xs: Value[], r: Value, grads: Value[]): void {
    const forwardLine = methodLine(this.mod.source, this.layer.name, 'forward');
    const backwardLine = methodLine(this.mod.source, this.layer.name, 'backward');
    const first = this.desc.inputs.map((i) => this.random(i.shape));
    const twice = this.construct();
    this.call(twice, 'forward', first.map(deepCopy));
    this.call(twice, 'forward', xs.map(deepCopy));
    const afterTwo = this.split(this.call(twice, 'backward', [deepCopy(r)]), backwardLine);
    if (!sameValues(afterTwo, grads)) {
      const once = this.construct();
      this.call(once, 'forward', first.map(deepCopy));
      const ofFirst = this.split(this.call(once, 'backward', [deepCopy(r)]), backwardLine);
      return this.fail(
        sameValues(afterTwo, ofFirst)
          ? 'forward called twice before backward: backward used what the FIRST call cached; forward must overwrite its cache on every call'
          : 'forward called twice before backward gives other gradients than one call: forward keeps state between calls (e.g. appends to or adds into its cache)',
        forwardLine,
      );
    }
    this.pass('forward called twice, then backward: the gradients of the second call');

    const again = this.construct();
    const args = xs.map(deepCopy);
    const dout = deepCopy(r);
    this.call(again, 'forward', args);
    const g1 = this.split(this.call(again, 'backward', [dout]), backwardLine).map(deepCopy);
    const p1 = this.desc.params.map((p) => again[`d${p.name}`]).map((g) => (g === undefined ? 0 : deepCopy(g as Value)));
    const g2 = this.split(this.call(again, 'backward', [deepCopy(r)]), backwardLine);
    const p2 = this.desc.params.map((p) => again[`d${p.name}`] as Value);
    if (!sameValues(g1, g2) || !sameValues(p1, p2.map((g) => g ?? 0))) {
      this.fail('calling backward twice gives different gradients: backward adds (+=) into a gradient instead of setting it, or changes its cache', backwardLine);
    } else this.pass('backward called twice: the same gradients');
    const changed = this.desc.inputs.filter((_, k) => !sameValues([args[k]], [xs[k]])).map((i) => i.name);
    if (changed.length) this.fail(`forward or backward changed its input ${changed.join(', ')} in place: the caller's array is modified (copy it first, as the book's ReLU does with x.copy())`, forwardLine);
    if (!sameValues([dout], [r])) this.fail('backward changed dout in place: the layer before it may still need it (work on a copy)', backwardLine);
    if (!changed.length && sameValues([dout], [r])) this.pass('forward and backward leave their arguments unchanged');
  }

  /** Seeded values of `shape` in ±[0.1, 2): away from 0, where ReLU-like layers have a kink. */
  private random(shape: number[]): Value {
    const values = Array.from({ length: sizeOfShape(shape) }, () => (this.rng.uniform() < 0.5 ? -1 : 1) * (0.1 + 1.9 * this.rng.uniform()));
    return build(shape, values);
  }

  private fail(message: string, line?: number): void {
    this.findings.push({ ok: false, message, ...(line !== undefined && { line }) });
  }

  private pass(message: string): void {
    this.findings.push({ ok: true, message });
  }
}

function nudgedValue(v: Value, shape: number[], i: number, step: number): Value {
  if (shape.length === 0) return (v as number) + step;
  setEntry(v, shape, i, getEntry(v, shape, i) + step);
  return v;
}

/** Σ out·r: the loss whose gradient with respect to out is r. */
function dot(out: Value, r: Value): number {
  const a = flatten(out), b = flatten(r);
  if (a.length !== b.length) throw new Error('forward returned outputs of different shapes for inputs of one shape');
  return a.reduce((s, v, i) => s + v * b[i], 0);
}

function sameValues(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((v, k) => {
    const x = shapeOf(v), y = shapeOf(b[k]);
    if (!x || !y || x.join() !== y.join()) return false;
    const fa = flatten(v as Value), fb = flatten(b[k] as Value);
    return fa.every((u, i) => u === fb[i] || Math.abs(u - fb[i]) <= 1e-12 * Math.max(Math.abs(u), Math.abs(fb[i])));
  });
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'number') return `one number (${v})`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return `a ${typeof v}`;
}
