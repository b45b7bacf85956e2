// The book's Affine on plain arrays: out = x·W + b for a batch x of N rows.
// `static inputs` gives forward's argument shapes; `static params` the constructor's arrays,
// which the layer keeps as this.W, this.b and whose gradients backward stores in this.dW, this.db.

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
    // dx = dout·Wᵀ, dW = xᵀ·dout, db = Σ over the batch of dout
    const dx = dout.map((d) => this.W.map((wi) => wi.reduce((s, w, j) => s + w * d[j], 0)));
    this.dW = this.W.map((wi, i) => wi.map((_, j) => this.x.reduce((s, row, n) => s + row[i] * dout[n][j], 0)));
    this.db = this.b.map((_, j) => dout.reduce((s, d) => s + d[j], 0));
    return dx;
  }
}

module.exports = { Affine };
