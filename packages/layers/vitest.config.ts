import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../../tooling/vitest.shared.ts";

// test/layers-webgpu.test.ts runs the layer suite on the WebGPU backend's Node entry. As in
// packages/backend-webgpu: SwiftShader (Vulkan) unless WEBGPU_BACKEND=gles (Mesa llvmpipe);
// the adapter variables are set here, before the forked workers start, so the drivers see them.
const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
if (process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
process.env.EGL_PLATFORM ??= "surfaceless";

const here = dirname(fileURLToPath(import.meta.url));

export default mergeConfig(shared, defineConfig({
  // the Node entry of @nabla/backend-webgpu from source (the shared aliases map only package roots)
  resolve: { alias: [{ find: /^@nabla\/backend-webgpu\/node$/, replacement: resolve(here, "../backend-webgpu/src/node.ts") }] },
  test: { hookTimeout: 120_000 },
}));
