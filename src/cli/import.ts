import { closeSync, openSync, readSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { UserError } from '../errors';
import { loadConfig, readModelSafetensors, readOnnx, saveWeights } from '../index';

interface Options {
  out?: string;
  config?: string;
  format?: 'onnx' | 'safetensors';
}

export function run(file: string, opts: Options): void {
  if (!opts.out) throw new UserError('import: give the weights file to write with --out FILE', 2);
  const format = opts.format ?? detectFormat(file);
  // An ONNX graph says its own network; a config beside it could only disagree.
  if (format === 'onnx' && opts.config) throw new UserError(`${basename(file)}: --config is for safetensors files; an ONNX model describes its own network`, 2);
  const doc = format === 'onnx' ? readOnnx(file) : readModelSafetensors(file, opts.config ? loadConfig(opts.config) : undefined);
  saveWeights(opts.out, doc);
  const layers = doc.config.layers.map((l) => l.type).join(' → ');
  console.log(`${opts.out}: nnt weights from ${basename(file)} (${format}): ${doc.inputSize} inputs, ${layers}, ${doc.classes} classes`);
}

/** By the extension, else by the first bytes: safetensors has its JSON header's "{" at byte 8. */
function detectFormat(file: string): 'onnx' | 'safetensors' {
  const ext = extname(file).toLowerCase();
  if (ext === '.onnx') return 'onnx';
  if (ext === '.safetensors') return 'safetensors';
  const head = Buffer.alloc(9);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new UserError(`${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    readSync(fd, head, 0, 9, 0);
  } finally {
    closeSync(fd);
  }
  return head[8] === 0x7b ? 'safetensors' : 'onnx';
}
