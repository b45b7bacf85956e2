import { writeFileAtomic } from '../io/atomic';
import { UserError } from '../errors';
import { loadModel, toOnnx, writeModelSafetensors, writePytorchFolder, ONNX_INPUT, ONNX_LOGITS, ONNX_PROBABILITIES, ONNX_OPSET } from '../index';

interface Options {
  format: 'onnx' | 'safetensors' | 'pytorch';
  out?: string;
  dtype: 'float64' | 'float32';
}

export function run(file: string, opts: Options): void {
  if (!opts.out) throw new UserError('export: give the output with --out PATH', 2);
  const model = loadModel(file);
  const { inputSize, classes } = model.doc;
  const stDtype = opts.dtype === 'float64' ? 'F64' : 'F32';
  switch (opts.format) {
    case 'onnx':
      writeFileAtomic(opts.out, toOnnx(model, opts.dtype));
      console.log(`${opts.out}: ONNX opset ${ONNX_OPSET}, ${opts.dtype}; input "${ONNX_INPUT}" N×${inputSize} (pixels / 255), outputs "${ONNX_PROBABILITIES}" and "${ONNX_LOGITS}" N×${classes}`);
      break;
    case 'safetensors':
      writeModelSafetensors(model, opts.out, stDtype);
      console.log(`${opts.out}: safetensors, ${stDtype}, ${model.arrays.length} tensors (${model.arrays.map((a) => a.name).join(', ')})`);
      break;
    case 'pytorch':
      writePytorchFolder(model, opts.out, stDtype);
      console.log(`${opts.out}/: weights.safetensors, config.json, model.py, train.py`);
      console.log(`continue training with: cd ${opts.out} && torchrun --nproc_per_node 2 train.py --epochs 1`);
      break;
  }
}
