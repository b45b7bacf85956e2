import type { Kernels } from '../core/kernels';
import { tsKernels } from '../core/ts-kernels';
import type { Param } from '../layers/layer';

/**
 * Turns each parameter's gradient into an update of its value, like the classes of the
 * book's common/optimizer.py. The learning rate is passed to every step rather than kept,
 * so a schedule can change it without the optimizer knowing.
 */
export interface Optimizer {
  readonly name: string;
  /** Updates every param's value in place from its grad. `lr` is the learning rate for this step (schedules change it). */
  step(params: Param[], lr: number): void;
  /**
   * Everything needed to continue bit for bit: a step count and named Float64Arrays
   * (velocities, moments), keyed by param name + '.' + buffer name. Copies, unless `views`:
   * then the optimizer's own buffers, for reading at once (a checkpoint writes them out
   * without copying megabytes first); the next step changes them.
   */
  getState(views?: boolean): OptimizerState;
  /**
   * Restores a saved state. Throws when the state belongs to another kind of optimizer, or
   * (checked here when `params` is given, otherwise on the next step) when its names or
   * sizes do not match the params.
   */
  setState(state: OptimizerState, params?: Param[]): void;
}

export interface OptimizerState {
  step: number;
  buffers: Record<string, Float64Array>;
}

/**
 * What every optimizer here shares: a step count, and per parameter a few buffers the size
 * of the parameter (a velocity, a sum of squares, two moments), allocated on the first step
 * and reused after, so a step allocates nothing.
 */
export abstract class BufferedOptimizer implements Optimizer {
  abstract readonly name: string;
  /** One buffer of each of these names per parameter (none for plain SGD). */
  protected abstract readonly bufferNames: readonly string[];
  /** Steps taken so far, counting the one in progress during `update` (Adam's t). */
  protected t = 0;
  private buffers = new Map<string, Float64Array[]>();
  /** Set by setState without params: the restored buffers are checked against the params of the next step. */
  private unchecked = false;

  /** `kernels`: the backend the params live in, which does the updates, in buffers of its memory. */
  constructor(protected readonly kernels: Kernels = tsKernels) {}

  step(params: Param[], lr: number): void {
    if (this.unchecked) {
      this.check(params);
      this.unchecked = false;
    }
    this.t++;
    this.beginStep(lr);
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      this.update(p.value, p.grad, this.buffersOf(p), lr);
    }
  }

  /** Per-step scalars computed once rather than once per parameter (Adam's bias corrections). */
  protected beginStep(_lr: number): void {}

  /** Updates one parameter in place; `buffers` holds this parameter's buffers in `bufferNames` order. */
  protected abstract update(w: Float64Array, g: Float64Array, buffers: Float64Array[], lr: number): void;

  getState(views = false): OptimizerState {
    const buffers: Record<string, Float64Array> = {};
    for (const [paramName, arrays] of this.buffers) {
      this.bufferNames.forEach((b, i) => (buffers[`${paramName}.${b}`] = views ? arrays[i] : Float64Array.from(arrays[i])));
    }
    return { step: this.t, buffers };
  }

  setState(state: OptimizerState, params?: Param[]): void {
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new Error(`${this.name} optimizer state: step must be a non-negative integer, got ${state.step}`);
    }
    const grouped = new Map<string, Float64Array[]>();
    for (const [key, array] of Object.entries(state.buffers)) {
      const dot = key.lastIndexOf('.');
      const index = dot < 0 ? -1 : this.bufferNames.indexOf(key.slice(dot + 1));
      if (index < 0) {
        const expected = this.bufferNames.length ? this.bufferNames.map((b) => `<param>.${b}`).join(', ') : 'no buffers';
        throw new Error(`${this.name} optimizer state: unexpected buffer ${key} (a ${this.name} optimizer keeps ${expected})`);
      }
      const paramName = key.slice(0, dot);
      if (!grouped.has(paramName)) grouped.set(paramName, new Array<Float64Array>(this.bufferNames.length));
      grouped.get(paramName)![index] = this.copy(array);
    }
    for (const [paramName, arrays] of grouped) {
      this.bufferNames.forEach((b, i) => {
        if (!arrays[i]) throw new Error(`${this.name} optimizer state: ${paramName}.${b} is missing`);
        if (arrays[i].length !== arrays[0].length) {
          throw new Error(`${this.name} optimizer state: ${paramName}.${b} has ${arrays[i].length} values, ${paramName}.${this.bufferNames[0]} ${arrays[0].length}`);
        }
      });
    }
    this.t = state.step;
    this.buffers = grouped;
    // A state saved before the first step has no buffers yet; they are allocated as usual.
    this.unchecked = grouped.size > 0 || (state.step > 0 && this.bufferNames.length > 0);
    if (params) {
      this.check(params);
      this.unchecked = false;
    }
  }

  /** Throws unless the buffers are exactly one set per param, each of the param's size. */
  private check(params: Param[]): void {
    if (this.bufferNames.length === 0) return;
    const names = new Set(params.map((p) => p.name));
    for (const paramName of this.buffers.keys()) {
      if (!names.has(paramName)) throw new Error(`${this.name} optimizer state has buffers for ${paramName}, which the network does not have`);
    }
    for (const p of params) {
      const arrays = this.buffers.get(p.name);
      if (!arrays) throw new Error(`${this.name} optimizer state has no buffers for ${p.name}`);
      if (arrays[0].length !== p.value.length) {
        throw new Error(`${this.name} optimizer state: ${p.name} has ${p.value.length} values but its buffers ${arrays[0].length}`);
      }
    }
  }

  /** A copy in the backend's memory. */
  private copy(array: ArrayLike<number>): Float64Array {
    const copy = this.kernels.alloc(array.length);
    copy.set(array);
    return copy;
  }

  private buffersOf(p: Param): Float64Array[] {
    let arrays = this.buffers.get(p.name);
    if (!arrays) {
      arrays = this.bufferNames.map(() => this.kernels.alloc(p.value.length));
      this.buffers.set(p.name, arrays);
    } else if (arrays.length && arrays[0].length !== p.value.length) {
      throw new Error(`${this.name} optimizer: ${p.name} has ${p.value.length} values but its buffers ${arrays[0].length}`);
    }
    return arrays;
  }
}
