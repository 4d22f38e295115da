/**
 * The Node entry: WebGPU through Dawn (the `webgpu` package), then everything the
 * browser entry exports. Importing it registers the 'webgpu' backend factory.
 *
 * Adapters (environment):
 * - WEBGPU_BACKEND=vulkan (default): Dawn's Vulkan backend. With VK_ICD_FILENAMES unset,
 *   the system's Vulkan drivers are tried first, then SwiftShader from Debian's chromium
 *   package (/usr/lib/chromium/vk_swiftshader_icd.json) when it is installed.
 * - WEBGPU_BACKEND=gles: Dawn's OpenGL ES backend (e.g. Mesa llvmpipe with
 *   EGL_PLATFORM=surfaceless), a compatibility-level adapter.
 */
import { existsSync } from 'node:fs';
import { registerBackend } from '@nabla/tensor';
import { create } from 'webgpu';
import type { WebGPUBackend } from './backend.js';
import { createWebGPUBackend, type WebGPUBackendOptions } from './index.js';

export * from './index.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Dawn lives as long as the object create() returned: if it is garbage-collected while a
 * device is alive, dawn.node crashes. So it stays here, module-level, until the last
 * backend made from it is disposed.
 */
let gpu: GPU | undefined;
let gpuKind = '';
let live = 0;

export interface NodeWebGPUOptions extends Omit<WebGPUBackendOptions, 'gpu' | 'adapter' | 'device'> {
  /** 'vulkan' or 'gles' (default: env WEBGPU_BACKEND, else 'vulkan'). */
  backend?: 'vulkan' | 'gles';
}

function instance(kind: string): GPU {
  if (!gpu || gpuKind !== kind) {
    gpu = create(kind === 'gles' ? ['backend=opengles'] : []);
    gpuKind = kind;
  }
  return gpu;
}

async function requestAdapter(kind: string): Promise<GPUAdapter | null> {
  if (kind === 'gles') {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    return instance(kind).requestAdapter({ featureLevel: 'compatibility' });
  }
  const adapter = await instance(kind).requestAdapter();
  if (adapter || process.env.VK_ICD_FILENAMES !== undefined || !existsSync(SWIFTSHADER_ICD)) return adapter;
  // no usable system driver: fall back to SwiftShader (the Vulkan loader reads the variable per instance)
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  if (live === 0) gpu = undefined;
  gpu = create([]);
  return gpu.requestAdapter();
}

/**
 * Creates the backend on a Dawn adapter chosen by `opts.backend` / WEBGPU_BACKEND.
 * Throws (never falls back to the CPU) when Dawn finds no adapter.
 *
 * @example const backend = await createNodeWebGPUBackend({ backend: 'gles' });
 */
export async function createNodeWebGPUBackend(opts: NodeWebGPUOptions = {}): Promise<WebGPUBackend> {
  const kind = opts.backend ?? process.env.WEBGPU_BACKEND ?? 'vulkan';
  if (kind !== 'vulkan' && kind !== 'gles') throw new Error(`webgpu: WEBGPU_BACKEND must be 'vulkan' or 'gles', got '${kind}'`);
  const adapter = await requestAdapter(kind);
  if (!adapter) {
    const env = kind === 'gles'
      ? `EGL_PLATFORM=${process.env.EGL_PLATFORM ?? ''} (needs libEGL.so from libegl-dev and Mesa's libegl-mesa0/libgl1-mesa-dri)`
      : `VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? '(unset)'} (install a Vulkan driver, or chromium for SwiftShader: ${SWIFTSHADER_ICD})`;
    if (live === 0) gpu = undefined;
    throw new Error(`webgpu: Dawn found no WebGPU adapter for WEBGPU_BACKEND=${kind}; ${env}`);
  }
  const backend = await createWebGPUBackend({ ...opts, adapter });
  live++;
  backend.whenDisposed(() => {
    // let Node exit once no device is left
    if (--live === 0) gpu = undefined;
  });
  return backend;
}

registerBackend({ name: 'webgpu', priority: 2, create: () => createNodeWebGPUBackend() });
