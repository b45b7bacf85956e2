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
  private readonly std: Float64Array;
  private readonly dsum: Float64Array;
  private readonly dxcSum: Float64Array;
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
    this.std = new Float64Array(size);
    this.dsum = new Float64Array(size);
    this.dxcSum = new Float64Array(size);
  }

  forward(x: Tensor, training: boolean): Tensor {
    const [n, d] = asMatrix(x.shape);
    if (d !== this.size) throw new Error(`${this.name}: expected ${this.size} features per sample, got ${shapeString(x.shape)}`);
    const xc = (this.xc = reuse(this.kernels, this.xc, [n, d])).data;
    const xn = (this.xn = reuse(this.kernels, this.xn, [n, d])).data;
    const out = (this.out = reuse(this.kernels, this.out, x.shape));
    const xs = x.data, ys = out.data, std = this.std;
    const gamma = this.gamma.value, beta = this.beta.value;
    const runMean = this.runningMean.value, runVar = this.runningVar.value, m = this.momentum;
    this.trained = training;

    for (let j = 0; j < d; j++) {
      let mean: number;
      let variance: number;
      if (training) {
        mean = 0;
        for (let i = 0; i < n; i++) mean += xs[i * d + j];
        mean /= n;
        variance = 0;
        for (let i = 0; i < n; i++) {
          const c = xs[i * d + j] - mean;
          variance += c * c;
        }
        variance /= n;
        runMean[j] = m * runMean[j] + (1 - m) * mean;
        runVar[j] = m * runVar[j] + (1 - m) * variance;
      } else {
        mean = runMean[j];
        variance = runVar[j];
      }
      const s = (std[j] = Math.sqrt(variance + this.eps));
      for (let i = 0; i < n; i++) {
        const k = i * d + j;
        xc[k] = xs[k] - mean;
        xn[k] = xc[k] / s;
        ys[k] = gamma[j] * xn[k] + beta[j];
      }
    }
    return out;
  }

  /**
   * dβ = Σ dout;  dγ = Σ xn·dout;  dxn = γ·dout;  dxc = dxn/σ − xc·Σ(dxn·xc)/(N·σ³);
   * dx = dxc − mean(dxc). After an evaluation pass μ and σ are constants, so dx = dxn/σ.
   */
  backward(dout: Tensor): Tensor {
    const xc = this.xc!.data, xn = this.xn!.data;
    const [n, d] = asMatrix(this.xc!.shape);
    const dx = (this.dx = reuse(this.kernels, this.dx, dout.shape));
    const dy = dout.data, g = dx.data, std = this.std;
    const gamma = this.gamma.value, dgamma = this.gamma.grad, dbeta = this.beta.grad;
    const dsum = this.dsum, dxcSum = this.dxcSum;

    for (let j = 0; j < d; j++) {
      let sb = 0, sg = 0, sdxnXc = 0;
      for (let i = 0; i < n; i++) {
        const k = i * d + j;
        sb += dy[k];
        sg += xn[k] * dy[k];
        sdxnXc += gamma[j] * dy[k] * xc[k];
      }
      dbeta[j] = sb;
      dgamma[j] = sg;
      // The book's dstd = −Σ(dxn·xc)/σ², dvar = 0.5·dstd/σ, and dxc += (2/N)·xc·dvar.
      dsum[j] = sdxnXc;
    }
    for (let j = 0; j < d; j++) dxcSum[j] = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const k = i * d + j;
        const s = std[j];
        let dxc = (gamma[j] * dy[k]) / s;
        if (this.trained) dxc -= (xc[k] * dsum[j]) / (n * s * s * s);
        g[k] = dxc;
        dxcSum[j] += dxc;
      }
    }
    if (this.trained) {
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) g[i * d + j] -= dxcSum[j] / n;
    }
    return dx;
  }

  params(): Param[] {
    return [this.gamma, this.beta];
  }

  stateArrays(): StateArray[] {
    return [this.runningMean, this.runningVar];
  }
}
