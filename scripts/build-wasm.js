#!/usr/bin/env node
/**
 * Assembles wasm/kernels.wat into the two modules the WebAssembly backend picks from:
 *
 *   dist/wasm/kernels-relaxed-simd.wasm  fused multiply-add (f64x2.relaxed_madd)
 *   dist/wasm/kernels-simd.wasm          the same code with a separate multiply and add
 *
 * Part of `npm run build` (and so of `npm install`). Uses wabt's wat2wasm compiled to JS.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const source = fs.readFileSync(path.join(root, 'wasm', 'kernels.wat'), 'utf8');
const outDir = path.join(root, 'dist', 'wasm');

// a·b + c on the stack [a, b, c], without fusing: keep c aside, multiply, add it back.
const unfused = 'local.set $fma_t f64x2.mul local.get $fma_t f64x2.add';

// Shared memory needs the threads feature; worker threads use the same memory.
const features = { simd: true, relaxed_simd: true, threads: true };

const variants = {
  'kernels-relaxed-simd.wasm': source,
  'kernels-simd.wasm': source.replaceAll('f64x2.relaxed_madd', unfused),
};

require('wabt')().then((wabt) => {
  fs.mkdirSync(outDir, { recursive: true });
  for (const [file, text] of Object.entries(variants)) {
    const module = wabt.parseWat(file.replace('.wasm', '.wat'), text, features);
    module.validate(features);
    const { buffer } = module.toBinary({});
    module.destroy();
    fs.writeFileSync(path.join(outDir, file), buffer);
  }
  console.log(`wasm: ${Object.keys(variants).join(', ')} → dist/wasm/`);
});
