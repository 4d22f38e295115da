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
import { createWebGPUBackend, summarize, type AdapterSummary, type WebGPUBackendOptions } from './index.js';

export * from './index.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Dawn lives as long as the object create() returned: if it is garbage-collected while a
 * device is alive, dawn.node crashes. So every instance stays referenced here until the
 * last backend is disposed (then they are dropped, so Node can exit).
 */
const instances = new Set<GPU>();
let current: { gpu: GPU; kind: string } | undefined;
let live = 0;

export interface NodeWebGPUOptions extends Omit<WebGPUBackendOptions, 'gpu' | 'adapter' | 'device'> {
  /** 'vulkan' or 'gles' (default: env WEBGPU_BACKEND, else 'vulkan'). */
  backend?: 'vulkan' | 'gles';
}

function instance(kind: string, fresh = false): GPU {
  if (fresh || !current || current.kind !== kind) {
    current = { gpu: create(kind === 'gles' ? ['backend=opengles'] : []), kind };
    instances.add(current.gpu);
  }
  return current.gpu;
}

function release(): void {
  if (live > 0) return;
  instances.clear();
  current = undefined;
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
  return instance(kind, true).requestAdapter();
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
  live++; // holds the instances while the adapter and device are requested
  let backend: WebGPUBackend;
  try {
    const adapter = await requestAdapter(kind);
    if (!adapter) {
      const env = kind === 'gles'
        ? `EGL_PLATFORM=${process.env.EGL_PLATFORM ?? ''} (needs libEGL.so from libegl-dev and Mesa's libegl-mesa0/libgl1-mesa-dri)`
        : `VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? '(unset)'} (install a Vulkan driver, or chromium for SwiftShader: ${SWIFTSHADER_ICD})`;
      throw new Error(`webgpu: Dawn found no WebGPU adapter for WEBGPU_BACKEND=${kind}; ${env}`);
    }
    backend = await createWebGPUBackend({ ...opts, adapter });
  } catch (e) {
    live--;
    release();
    throw e;
  }
  backend.whenDisposed(() => {
    live--;
    release();
  });
  return backend;
}

/**
 * The adapter createNodeWebGPUBackend() would use (with `software` set for SwiftShader and
 * llvmpipe), or null when Dawn finds none. Creates no device.
 *
 * @example const a = await describeAdapter(); await setBackend(a && !a.software ? 'webgpu' : 'cpu');
 */
export async function describeAdapter(opts: Pick<NodeWebGPUOptions, 'backend'> = {}): Promise<AdapterSummary | null> {
  const kind = opts.backend ?? process.env.WEBGPU_BACKEND ?? 'vulkan';
  live++;
  try {
    const adapter = kind === 'vulkan' || kind === 'gles' ? await requestAdapter(kind) : null;
    return adapter ? summarize(adapter) : null;
  } catch {
    return null;
  } finally {
    live--;
    release();
  }
}

registerBackend({ name: 'webgpu', priority: 2, create: () => createNodeWebGPUBackend() });
