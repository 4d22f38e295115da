import { expect, it } from 'vitest';
import { createNodeWebGPUBackend, describeAdapter } from '../src/node.js';

// A plain test, not a hook: with no adapter it fails as a test (counted by CI's summary),
// while the suites whose beforeAll needs the backend fail as files. Nothing is skipped.
it('Dawn provides a WebGPU adapter (SwiftShader/Vulkan: core level; WEBGPU_BACKEND=gles: compatibility)', async () => {
  const backend = await createNodeWebGPUBackend();
  try {
    const level = process.env.WEBGPU_BACKEND === 'gles' ? 'compatibility' : 'core';
    expect(backend.adapter?.featureLevel).toBe(level);
    console.log(`adapter: ${JSON.stringify(backend.adapter)}`);
  } finally {
    backend.dispose();
  }
});

it('describeAdapter() reports the same adapter without a device, and flags software ones', async () => {
  const a = await describeAdapter();
  expect(a).not.toBeNull();
  const backend = await createNodeWebGPUBackend();
  expect(a).toEqual(backend.adapter);
  backend.dispose();
  if (/swiftshader|llvmpipe/i.test(`${a!.description} ${a!.device}`)) expect(a!.software).toBe(true);
});
