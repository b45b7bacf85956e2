/**
 * The Draw panel's call site for the MNIST-style preparation of a drawing (the page posts the
 * canvas's grey pixels: dark ink on white).
 *
 * INTERIM (issue 15): `nnt predict`'s preparation (grey, invert, crop, scale the longer side to
 * 20 px, centre by centre of mass in 28×28) lands on branch `vis` as a library function; once
 * it is merged, this function only calls it. Until then it does the same steps itself.
 */
export function prepareDrawing(grey: Uint8Array, width: number, height: number): Uint8Array {
  const ink = new Float64Array(width * height);
  for (let i = 0; i < ink.length; i++) ink[i] = (255 - grey[i]) / 255;
  return centreOfMass(scaleTo20(ink, width, height));
}

/** The ink's bounding box, its longer side scaled to 20 px by area averaging. */
function scaleTo20(ink: Float64Array, width: number, height: number): { data: Float64Array; w: number; h: number } {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    if (ink[y * width + x] > 0.05) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  }
  if (x1 < 0) return { data: new Float64Array(0), w: 0, h: 0 };
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1, scale = 20 / Math.max(bw, bh);
  const w = Math.max(1, Math.round(bw * scale)), h = Math.max(1, Math.round(bh * scale));
  const data = new Float64Array(w * h), count = new Float64Array(w * h);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
    const k = Math.min(h - 1, Math.floor((y - y0) * scale)) * w + Math.min(w - 1, Math.floor((x - x0) * scale));
    data[k] += ink[y * width + x];
    count[k]++;
  }
  for (let k = 0; k < data.length; k++) data[k] = count[k] ? data[k] / count[k] : 0;
  return { data, w, h };
}

/** Placed in 28×28 so that its centre of mass sits at the centre, as MNIST's digits are. */
function centreOfMass({ data, w, h }: { data: Float64Array; w: number; h: number }): Uint8Array {
  const out = new Uint8Array(28 * 28);
  let mass = 0, cx = 0, cy = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { const v = data[y * w + x]; mass += v; cx += v * x; cy += v * y; }
  if (mass === 0) return out;
  const dx = Math.round(14 - cx / mass - 0.5), dy = Math.round(14 - cy / mass - 0.5);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const tx = x + dx, ty = y + dy;
    if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = Math.round(255 * Math.min(1, data[y * w + x]));
  }
  return out;
}
