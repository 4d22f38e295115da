import { runConformance } from '@nabla/conformance';
import { createNodeWebGPUBackend, type WebGPUBackend } from '../src/node.js';

// One backend for every suite (each suite's beforeAll calls create). With no adapter,
// create throws and every case fails: the suite never skips, on CI or off it.
let backend: Promise<WebGPUBackend> | undefined;

runConformance({
  name: 'webgpu',
  create: () => (backend ??= createNodeWebGPUBackend()),
});
