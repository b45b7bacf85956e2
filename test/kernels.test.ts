import { tsKernels } from '../src/core/ts-kernels';
import { kernelSuite } from './kernel-suite';

describe('ts kernels', () => kernelSuite(tsKernels));
