import type { Kernels } from '../core/kernels';
import { asMatrix, shapeString, type Tensor } from '../core/tensor';
import { makeParam, reuse, type Layer, type Param, type StateArray } from './layer';

/** ε under the square root (the book's 10e−7); exporters write it into other formats. */
export const BATCHNORM_EPS = 1e-6;

/**
 * Batch normalization (Ioffe & Szegedy 2015) on an (N, D) batch, after the book's
 * BatchNormalization in common/layers.py: each of the D features is normalized over the
 * batch, then scaled by a learned γ and shifted by a learned β.
 *
 *   μ = mean(x);  xc = x − μ;  σ = √(mean(xc²) + ε);  xn = xc / σ;  out = γ·xn + β
 *
 * Training normalizes with the batch's own μ and variance and folds them into running
 * averages (running ← m·running + (1 − m)·batch, m = 0.9 as the book); evaluation
 * normalizes with the running averages, so a prediction does not depend on the rest of
 * its batch. Backward is the book's chain through σ and μ; forward caches xc, xn and σ.
 *
 * One difference from the book: the running variance starts at 1, not 0, so evaluating a
 * network before it has trained many steps does not divide by √ε.
 */
export class BatchNorm implements Layer {
  readonly gamma: Param;
  readonly beta: Param;
  readonly runningMean: StateArray;
  readonly runningVar: StateArray;
  /** The book's 10e−7. */
  readonly eps = BATCHNORM_EPS;
  /** Per feature: the batch's μ and variance, σ, and the backward pass's scratch sums (2 per feature). */
  private readonly mean: Float64Array;
  private readonly variance: Float64Array;
  private readonly std: Float64Array;
  private readonly sums: Float64Array;
  private xc?: Tensor;
  private xn?: Tensor;
  private out?: Tensor;
  private dx?: Tensor;
  private trained = false;

  constructor(
    readonly name: string,
    readonly size: number,
    private readonly kernels: Kernels,
    readonly momentum = 0.9,
  ) {
    this.gamma = makeParam(kernels, `${name}.gamma`, [size], false);
    this.beta = makeParam(kernels, `${name}.beta`, [size], false);
    this.gamma.value.fill(1);
    this.runningMean = { name: `${name}.running_mean`, shape: [size], value: kernels.alloc(size) };
    this.runningVar = { name: `${name}.running_var`, shape: [size], value: kernels.alloc(size) };
    this.runningVar.value.fill(1);
    this.mean = kernels.alloc(size);
    this.variance = kernels.alloc(size);
    this.std = kernels.alloc(size);
    this.sums = kernels.alloc(2 * size);
  }

  forward(x: Tensor, training: boolean): Tensor {
    const [n, d] = asMatrix(x.shape);
    if (d !== this.size) throw new Error(`${this.name}: expected ${this.size} features per sample, got ${shapeString(x.shape)}`);
    const xc = (this.xc = reuse(this.kernels, this.xc, [n, d])).data;
    const xn = (this.xn = reuse(this.kernels, this.xn, [n, d])).data;
    const out = (this.out = reuse(this.kernels, this.out, x.shape));
    const { mean, variance, std, momentum: m } = this;
    const runMean = this.runningMean.value, runVar = this.runningVar.value;
    this.trained = training;

    if (training) {
      // μ and the variance of each feature over the batch (tsKernels.batchNormStats).
      this.kernels.batchNormStats(x.data, mean, variance, n, d);
      for (let j = 0; j < d; j++) {
        runMean[j] = m * runMean[j] + (1 - m) * mean[j];
        runVar[j] = m * runVar[j] + (1 - m) * variance[j];
      }
    }
    const mu = training ? mean : runMean, v = training ? variance : runVar;
    for (let j = 0; j < d; j++) std[j] = Math.sqrt(v[j] + this.eps);
    // xc = x − μ;  xn = xc / σ;  out = γ·xn + β (tsKernels.batchNormNormalize).
    this.kernels.batchNormNormalize(x.data, mu, std, this.gamma.value, this.beta.value, xc, xn, out.data, n, d);
    return out;
  }

  /**
   * dβ = Σ dout;  dγ = Σ xn·dout;  dxn = γ·dout;  dxc = dxn/σ − xc·Σ(dxn·xc)/(N·σ³);
   * dx = dxc − mean(dxc). After an evaluation pass μ and σ are constants, so dx = dxn/σ.
   * (tsKernels.batchNormBackward.)
   */
  backward(dout: Tensor): Tensor {
    const [n, d] = asMatrix(this.xc!.shape);
    const dx = (this.dx = reuse(this.kernels, this.dx, dout.shape));
    this.kernels.batchNormBackward(
      dout.data, this.xc!.data, this.xn!.data, this.gamma.value, this.std,
      this.gamma.grad, this.beta.grad, this.sums, dx.data, n, d, this.trained,
    );
    return dx;
  }

  params(): Param[] {
    return [this.gamma, this.beta];
  }

  stateArrays(): StateArray[] {
    return [this.runningMean, this.runningVar];
  }
}
