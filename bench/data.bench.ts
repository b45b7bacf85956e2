import { Rng, loadTrainSet, BatchStream } from '../src/index';
import { median, peakRssMB, time } from './measure';

// One full epoch of MNIST minibatches (60,000 samples, batch 100, shuffled): the cost the data
// pipeline adds to every training epoch, and the memory it needs (bytes kept, one batch of float64).
// The bench runs compiled under plain node, like the CLI; the RSS before loading is printed so
// the data's own share can be read off.
const rssBefore = process.memoryUsage().rss / 1048576;
const t0 = process.hrtime.bigint();
const train = loadTrainSet();
const loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
const stream = new BatchStream(train, { batchSize: 100, shuffle: true, dropLast: false, sampling: 'epoch' }, new Rng(1));
let checksum = 0;
const times = time(() => {
  stream.startEpoch();
  for (let b = 0; b < stream.batchesPerEpoch; b++) {
    const x = stream.batch(b).x;
    checksum += x.tensor().data[b % 78400];
  }
}, 5);
console.log(`load embedded MNIST training set (47 MB of bytes): ${loadSeconds.toFixed(3)} s`);
console.log(
  `one epoch, ${stream.batchesPerEpoch} shuffled batches of 100 as float64: median ${median(times).toFixed(3)} s of ${times.length} runs ` +
    `(min ${Math.min(...times).toFixed(3)}, max ${Math.max(...times).toFixed(3)}; checksum ${checksum.toFixed(3)})`,
);
const peak = peakRssMB();
console.log(
  `peak RSS: ${peak.toFixed(0)} MB, of which ${rssBefore.toFixed(0)} MB before loading (node + modules): ` +
    `the data adds ${(peak - rssBefore).toFixed(0)} MB (target < 1 s per epoch, < 150 MB)`,
);
