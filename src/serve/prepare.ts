import { UserError } from '../errors';
import { prepareDigit } from '../image/prepare';
import { HttpError } from './http';

/**
 * The Draw panel's drawing (grey bytes, dark ink on white, as the page's canvas holds it) as
 * MNIST-style input: the same preparation as `nnt predict` (grey, invert, crop, longer side
 * to 20 px, centred by centre of mass in 28×28), returned as 28×28 bytes for the page to show.
 */
export function prepareDrawing(grey: Uint8Array, width: number, height: number): Uint8Array {
  const data = new Uint8Array(4 * grey.length);
  for (let i = 0; i < grey.length; i++) data.set([grey[i], grey[i], grey[i], 255], 4 * i);
  let pixels: Float64Array;
  try {
    pixels = prepareDigit({ width, height, data }, 'the drawing');
  } catch (error) {
    if (error instanceof UserError) throw new HttpError(400, error.message);
    throw error;
  }
  return Uint8Array.from(pixels, (v) => Math.round(255 * v));
}
