import { UserError } from '../errors';
import { prepareDigit } from '../image/prepare';
import { HttpError } from './http';

/**
 * The Draw panel's drawing (grey bytes, dark ink on white, as the page's canvas holds it) as
 * MNIST-style input: the same preparation as `nnt predict` (grey, invert, crop, longer side
 * to 20 px, centred by centre of mass in 28×28): 28×28 values in [0, 1].
 */
export function prepareDrawing(grey: Uint8Array, width: number, height: number): Float64Array {
  const data = new Uint8Array(4 * grey.length);
  for (let i = 0; i < grey.length; i++) data.set([grey[i], grey[i], grey[i], 255], 4 * i);
  try {
    return prepareDigit({ width, height, data }, 'the drawing');
  } catch (error) {
    if (error instanceof UserError) throw new HttpError(400, error.message);
    throw error;
  }
}
