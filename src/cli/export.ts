import { writeFileAtomic } from '../io/atomic';
import { UserError } from '../errors';
import { printWarning } from './run-config';
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
      if (opts.dtype === 'float64' && model.doc.config.layers.some((l) => l.type === 'conv' || (l.type === 'pool' && l.mode === 'avg'))) {
        printWarning(`${opts.out}: ONNX Runtime's CPU build has no float64 Conv or AveragePool and will not load this file (valid ONNX, exact); for ONNX Runtime export with --dtype float32`);
      }
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
