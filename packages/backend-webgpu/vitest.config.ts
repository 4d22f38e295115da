import { existsSync } from 'node:fs';
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../tooling/vitest.shared.ts';

// Two software adapters, one per vitest project:
// - 'swiftshader': Dawn's Vulkan backend on SwiftShader (core feature level, what GPUs and
//   browsers give), from Debian's chromium package;
// - 'gles': Dawn's OpenGL ES backend on Mesa llvmpipe (compatibility feature level).
// WEBGPU_BACKEND=vulkan|gles in the environment runs just that one (with VK_ICD_FILENAMES
// as given, else SwiftShader). Adapter variables are set before the forked workers start,
// so the drivers' getenv calls see them.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
process.env.EGL_PLATFORM ??= 'surfaceless';
const only = process.env.WEBGPU_BACKEND;

export default mergeConfig(shared, defineConfig({
  // software adapters are slow (SwiftShader runs a 512^3 matmul at ~0.2 GFLOP/s)
  test: {
    testTimeout: 300_000,
    hookTimeout: 120_000,
    ...(only ? {} : {
      projects: [
        { extends: true, test: { name: 'swiftshader', env: { WEBGPU_BACKEND: 'vulkan' } } },
        { extends: true, test: { name: 'gles', env: { WEBGPU_BACKEND: 'gles' } } },
      ],
    }),
  },
}));
