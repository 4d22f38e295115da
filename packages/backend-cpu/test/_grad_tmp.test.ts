import { runConformance } from '@nabla/conformance';
import { createCpuBackend } from '../src/index.js';
runConformance({ name: 'cpu', create: createCpuBackend });
