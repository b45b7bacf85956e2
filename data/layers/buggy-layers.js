// The chapter's layers as a learner first writes them, each with one bug that every learner
// writes at some point. `nnt check-layer data/layers/buggy-layers.js` finds all three;
// layers.js beside this file is the corrected version.

class MulLayer {
  constructor() {
    this.x = null;
    this.y = null;
  }

  foward(x, y) {
    this.x = x;
    this.y = y;
    return x * y;
  }

  backward(dout) {
    const dx = dout * this.y; // dz/dx = y: the inputs swap
    const dy = dout * this.x;
    return [dx, dy];
  }
}

class AddLayer {
  forward(x, y) {
    return x + y;
  }

  backward(dout) {
    const dx = dout * 1;
    const dy = dout * 1;
    [dx, dy];
  }
}

class Sigmoid {
  static inputs = { x: [2, 3] };

  forward(x) {
    this.out = x.map((row) => row.map((v) => 1 / (1 + Math.exp(-v))));
    return this.out;
  }

  backward(dOut) {
    return dout.map((row, i) => row.map((d, j) => d * (1 - this.out[i][j]) * this.out[i][j]));
  }
}

module.exports = { MulLayer, AddLayer, Sigmoid };
