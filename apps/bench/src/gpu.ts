/**
 * Dawn (the `webgpu` package) for both systems' WebGPU backends, on the same adapter.
 * Default: Dawn's Vulkan backend (core feature level): the system's driver if it offers an
 * adapter, else SwiftShader from Debian's chromium package (this machine: SwiftShader).
 * WEBGPU_BACKEND=gles (or --adapter gles): Dawn's OpenGL ES backend on Mesa llvmpipe
 * (compatibility feature level), about 5× faster than SwiftShader here. Both are software.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export type AdapterPath = 'vulkan' | 'gles';

/** Sets the environment Dawn reads; call before anything creates a Dawn instance. */
export function configureAdapterEnv(path?: string): AdapterPath {
  const p = (path ?? process.env.WEBGPU_BACKEND ?? 'vulkan').toLowerCase();
  if (p !== 'vulkan' && p !== 'gles') throw new Error(`unknown WebGPU adapter path '${p}' (use vulkan or gles)`);
  process.env.WEBGPU_BACKEND = p;
  // No system Vulkan driver at all: go straight to SwiftShader (what both backends would
  // fall back to anyway) rather than let Dawn print vkCreateInstance errors first.
  if (p === 'vulkan' && !process.env.VK_ICD_FILENAMES && !hasSystemVulkanDriver() && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  if (p === 'gles') process.env.EGL_PLATFORM ??= 'surfaceless';
  return p;
}

/** Whether the Vulkan loader's standard manifest folders list any driver (ICD). */
function hasSystemVulkanDriver(): boolean {
  const dirs = ['/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/etc/vulkan/icd.d'];
  return dirs.some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

export function adapterPath(): AdapterPath {
  return (process.env.WEBGPU_BACKEND ?? 'vulkan') === 'gles' ? 'gles' : 'vulkan';
}

export interface AdapterDescription {
  /** e.g. "SwiftShader driver 5.0.0 (google swiftshader)". */
  text: string;
  software: boolean;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|warp/i;

/** Describes a GPUAdapterInfo and decides whether it is a software rasteriser. */
export function describeAdapter(info: AdapterInfoLike | undefined): AdapterDescription {
  if (!info) return { text: 'unknown adapter', software: false };
  const parts = [info.description, [info.vendor, info.architecture].filter(Boolean).join(' '), info.device].filter((s): s is string => !!s && s.trim() !== '');
  const text = parts.length ? `${parts[0]}${parts.length > 1 ? ` (${parts.slice(1).join(', ')})` : ''}` : 'unknown adapter';
  return { text, software: SOFTWARE.test(parts.join(' ')) || info.isFallbackAdapter === true };
}

/** The little of WebGPU's types this file needs (no dependency on @webgpu/types). */
interface AdapterInfoLike { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean }
interface AdapterLike { info?: AdapterInfoLike; isFallbackAdapter?: boolean }
export interface GpuLike { requestAdapter(opts?: Record<string, unknown>): Promise<AdapterLike | null> }

let gpu: GpuLike | undefined; // must stay reachable: Dawn's instance dies with it
const retired: GpuLike[] = []; // instances replaced by the SwiftShader fallback, kept alive too

function createDawn(): GpuLike {
  const { create, globals } = require('webgpu') as { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
  Object.assign(globalThis, globals);
  const gles = adapterPath() === 'gles';
  const instance = create(gles ? ['backend=opengles'] : []);
  if (gles) {
    // tfjs asks for a core adapter; the GLES path only offers compatibility.
    const request = instance.requestAdapter.bind(instance);
    instance.requestAdapter = (opts?: Record<string, unknown>) => request({ ...opts, featureLevel: 'compatibility' });
  }
  return instance;
}

/**
 * One Dawn instance for the process (WebGPU's globals installed), on the adapter nabla's
 * backend picks too: on the Vulkan path the system's drivers first (a real GPU where
 * there is one), else SwiftShader from Debian's chromium package; VK_ICD_FILENAMES is then
 * set, so nabla's backend, created after, lands on the same adapter.
 */
export async function dawn(): Promise<{ gpu: GpuLike; adapter: AdapterLike }> {
  gpu ??= createDawn();
  let adapter = await gpu.requestAdapter();
  if (!adapter && adapterPath() === 'vulkan' && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD; // the Vulkan loader reads it per instance
    retired.push(gpu);
    gpu = createDawn();
    adapter = await gpu.requestAdapter();
  }
  if (!adapter) throw new Error(`no WebGPU adapter (${adapterPath()} path${process.env.VK_ICD_FILENAMES ? `, VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}` : ''})`);
  return { gpu, adapter };
}

/** The adapter Dawn picks here, described; throws if there is none. */
export async function probeAdapter(): Promise<AdapterDescription> {
  return describeAdapter(adapterInfoOf((await dawn()).adapter));
}

/** Reads a GPUAdapterInfo's fields (they are getters, invisible to spread). */
export function adapterInfoOf(adapter: AdapterLike): AdapterInfoLike {
  const i = adapter.info ?? {};
  return { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter ?? adapter.isFallbackAdapter };
}
