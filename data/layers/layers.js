// The chapter's layers, corrected: `nnt check-layer data/layers/layers.js` passes all three.
// A layer is a class with forward and backward. forward's arguments are numbers unless the
// class describes them: `static inputs = { x: [2, 3] }` says forward takes one 2×3 array.

class MulLayer {
  constructor() {
    this.x = null;
    this.y = null;
  }

  forward(x, y) {
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
    return [dx, dy];
  }
}

class Sigmoid {
  static inputs = { x: [2, 3] };

  forward(x) {
    this.out = x.map((row) => row.map((v) => 1 / (1 + Math.exp(-v))));
    return this.out;
  }

  backward(dout) {
    return dout.map((row, i) => row.map((d, j) => d * (1 - this.out[i][j]) * this.out[i][j]));
  }
}

module.exports = { MulLayer, AddLayer, Sigmoid };
