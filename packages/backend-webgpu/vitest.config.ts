import { existsSync } from 'node:fs';
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../tooling/vitest.shared.ts';

// Adapter selection happens in the real environment of the main process, so forked
// workers (and the drivers' getenv calls in them) see it: tests default to SwiftShader
// (core feature level); WEBGPU_BACKEND=gles selects Dawn's GLES backend (compatibility).
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.WEBGPU_BACKEND ??= 'vulkan';
if (process.env.WEBGPU_BACKEND === 'vulkan' && process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}
process.env.EGL_PLATFORM ??= 'surfaceless';

export default mergeConfig(shared, defineConfig({
  // software adapters are slow (SwiftShader runs a 512^3 matmul at ~0.1 GFLOP/s)
  test: { testTimeout: 300_000, hookTimeout: 120_000 },
}));
