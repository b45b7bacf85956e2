#!/usr/bin/env node
// Runs an ONNX model in ONNX Runtime (onnxruntime-web's WebAssembly build, in Node) on a batch:
//   node scripts/ort-run.js MODEL INPUT.f64 ROWS COLS OUT_PREFIX
// INPUT.f64 holds ROWS×COLS little-endian float64; writes OUT_PREFIX.<output>.f64 (as float64)
// for every output of the model and prints their names and shapes as JSON.
// A separate process, so the tests need not load WebAssembly inside jest's module system.
const { readFileSync, writeFileSync } = require('node:fs');
const ort = require('onnxruntime-web');

async function main([model, input, rows, cols, prefix]) {
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(readFileSync(model));
  const bytes = readFileSync(input);
  const x = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
  const meta = session.inputMetadata?.[0];
  const type = meta && meta.type === 'float32' ? 'float32' : 'float64';
  const data = type === 'float32' ? Float32Array.from(x) : x;
  const results = await session.run({ [session.inputNames[0]]: new ort.Tensor(type, data, [Number(rows), Number(cols)]) });
  const shapes = {};
  for (const name of session.outputNames) {
    writeFileSync(`${prefix}.${name}.f64`, Buffer.from(Float64Array.from(results[name].data).buffer));
    shapes[name] = { type: results[name].type, dims: results[name].dims };
  }
  console.log(JSON.stringify(shapes));
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error);
  process.exit(1);
});
