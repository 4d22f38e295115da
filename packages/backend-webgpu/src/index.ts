/**
 * @nabla/backend-webgpu: nabla's WebGPU backend. This entry is browser-safe (it uses
 * `navigator.gpu`); Node gets Dawn through the `webgpu` package in `./node.ts`, which
 * package.json's "node" export condition selects.
 *
 * @example
 * import { setBackend } from '@nabla/tensor';
 * import '@nabla/backend-webgpu';
 * await setBackend('webgpu');
 */
import { registerBackend } from '@nabla/tensor';
import { WebGPUBackend, type AdapterSummary } from './backend.js';

export { WebGPUBackend, type AdapterSummary } from './backend.js';
export { WebGPUError, type RuntimeOptions } from './runtime.js';

export interface WebGPUBackendOptions {
  /** Use this device (the caller keeps ownership: dispose() will not destroy it). */
  device?: GPUDevice;
  /** Request the device from this adapter. */
  adapter?: GPUAdapter;
  /** Request the adapter from this GPU object (default: navigator.gpu). */
  gpu?: GPU;
  /** Adapter options, e.g. { featureLevel: 'compatibility' } or { powerPreference: 'high-performance' }. */
  adapterOptions?: GPURequestAdapterOptions;
  /** Dispatches recorded before the command encoder is submitted (default 128). */
  batchLimit?: number;
  /** Bytes of free buffers kept for reuse (default 256 MiB). */
  poolBytes?: number;
}

/** The limits the backend asks for: the adapter's own, not WebGPU's defaults (compatibility adapters default to 128 invocations). */
const LIMITS = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension', 'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ', 'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage', 'maxUniformBufferBindingSize',
] as const;

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

/** What an adapter is, without creating a device. */
export function summarize(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  const level = (adapter as { featureLevel?: string }).featureLevel ?? (adapter.features.has('core-features-and-limits') ? 'core' : 'compatibility');
  const fallback = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const software = fallback || SOFTWARE.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
  return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description, featureLevel: level, software };
}

/**
 * The adapter createWebGPUBackend() would use, or null when there is none (never throws).
 * Lets an app prefer the CPU backend over a software adapter.
 */
export async function describeAdapter(opts: Pick<WebGPUBackendOptions, 'gpu' | 'adapterOptions'> = {}): Promise<AdapterSummary | null> {
  try {
    const gpu = opts.gpu ?? (typeof navigator !== 'undefined' ? (navigator as { gpu?: GPU }).gpu : undefined);
    const adapter = gpu ? await gpu.requestAdapter(opts.adapterOptions) : null;
    return adapter ? summarize(adapter) : null;
  } catch {
    return null;
  }
}

/**
 * Creates the backend on a given device, or on one requested from `adapter`, `gpu` or
 * `navigator.gpu`. Throws a clear error when no adapter is available.
 *
 * @example const backend = await createWebGPUBackend(); await setBackend(backend);
 */
export async function createWebGPUBackend(opts: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const runtime = { batchLimit: opts.batchLimit, poolBytes: opts.poolBytes };
  if (opts.device) return new WebGPUBackend(opts.device, { ...runtime, ownsDevice: false });
  let adapter = opts.adapter ?? null;
  if (!adapter) {
    const gpu = opts.gpu ?? (typeof navigator !== 'undefined' ? (navigator as { gpu?: GPU }).gpu : undefined);
    if (!gpu) throw new Error("webgpu: navigator.gpu is not available in this environment (in Node, import '@nabla/backend-webgpu' under the \"node\" condition, which uses Dawn)");
    adapter = await gpu.requestAdapter(opts.adapterOptions);
    if (!adapter) throw new Error('webgpu: requestAdapter() found no WebGPU adapter');
  }
  const requiredLimits: Record<string, number> = {};
  for (const k of LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number | undefined>)[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('core-features-and-limits') ? ['core-features-and-limits'] : [];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'nabla' });
  return new WebGPUBackend(device, { ...runtime, ownsDevice: true }, summarize(adapter));
}

registerBackend({ name: 'webgpu', priority: 2, create: () => createWebGPUBackend() });
