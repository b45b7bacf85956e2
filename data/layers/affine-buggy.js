// Affine with the mistakes of batch code: db divided by the batch size (the mean of the
// loss is taken once, in the loss layer), and dW returned transposed.

class Affine {
  static inputs = { x: [4, 3] };
  static params = { W: [3, 2], b: [2] };

  constructor(W, b) {
    this.W = W;
    this.b = b;
  }

  forward(x) {
    this.x = x;
    return x.map((row) => this.b.map((bj, j) => bj + row.reduce((s, xi, i) => s + xi * this.W[i][j], 0)));
  }

  backward(dout) {
    const n = dout.length;
    const dx = dout.map((d) => this.W.map((wi) => wi.reduce((s, w, j) => s + w * d[j], 0)));
    this.dW = this.b.map((_, j) => this.W.map((_, i) => this.x.reduce((s, row, k) => s + row[i] * dout[k][j], 0)));
    this.db = this.b.map((_, j) => dout.reduce((s, d) => s + d[j], 0) / n);
    return dx;
  }
}

module.exports = { Affine };
