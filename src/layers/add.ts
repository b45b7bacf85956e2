/**
 * The addition node of the chapter's computational graphs, on scalars: z = x + y,
 * so dz/dx = dz/dy = 1 and backward passes the incoming gradient on unchanged.
 * Nothing needs to be cached.
 */
export class AddLayer {
  forward(x: number, y: number): number {
    return x + y;
  }

  /** Returns [dL/dx, dL/dy] given dL/dz. */
  backward(dout: number): [dx: number, dy: number] {
    return [dout, dout];
  }
}
