/**
 * The multiplication node of the chapter's computational graphs, on scalars:
 * z = x·y, so dz/dx = y and dz/dy = x. Backward swaps the inputs.
 */
export class MulLayer {
  private x = 0;
  private y = 0;

  forward(x: number, y: number): number {
    this.x = x;
    this.y = y;
    return x * y;
  }

  /** Returns [dL/dx, dL/dy] given dL/dz. */
  backward(dout: number): [dx: number, dy: number] {
    return [dout * this.y, dout * this.x];
  }
}
