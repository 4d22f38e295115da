import { createNodeWebGPUBackend, type WebGPUBackend } from '@nabla/backend-webgpu/node';
import { runLayerSuite } from './layer-suite.js';

// The layer suite on the WebGPU backend (SwiftShader by default, WEBGPU_BACKEND=gles for llvmpipe;
// see vitest.config.ts). With no adapter, create throws and every case fails: the suite never skips,
// on CI or off it.
let backend: Promise<WebGPUBackend> | undefined;

runLayerSuite({ name: 'webgpu', create: () => (backend ??= createNodeWebGPUBackend()) });
