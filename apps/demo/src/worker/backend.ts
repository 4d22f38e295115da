import { heapStats } from '@nabla/backend-cpu';
import { describeAdapter } from '@nabla/backend-webgpu/browser';
import { setBackend } from '@nabla/tensor';
import type { BackendChoice } from '../lib/protocol.ts';

/** Makes the chosen backend active: 'auto' takes WebGPU whenever the browser has an adapter, else nabla's CPU backend. */
export async function chooseBackend(choice: BackendChoice): Promise<{ name: string; label: string }> {
  if (choice === 'cpu') {
    await setBackend('cpu');
    return { name: 'cpu', label: `cpu (${cpuStorage()})` };
  }
  const adapter = await describeAdapter();
  if (!adapter) {
    if (choice === 'webgpu') throw new Error('WebGPU: this browser offers no WebGPU adapter here (try the CPU backend)');
    await setBackend('cpu');
    return { name: 'cpu', label: `cpu (${cpuStorage()}; no WebGPU adapter in this browser)` };
  }
  try {
    await setBackend('webgpu');
  } catch (e) {
    if (choice === 'webgpu') throw e;
    await setBackend('cpu');
    return { name: 'cpu', label: `cpu (${cpuStorage()}; WebGPU failed to start: ${(e as Error).message})` };
  }
  const what = [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ');
  return { name: 'webgpu', label: `webgpu (${what || 'adapter'}${adapter.software ? ', a software adapter' : ''})` };
}

/**
 * Where the active CPU backend keeps tensors: its shared wasm heap when the page is cross-origin
 * isolated (the heap exists once the backend is made), else JS arrays.
 */
function cpuStorage(): string {
  return heapStats().memoryBytes > 0 ? 'wasm heap' : 'JS arrays: the page is not cross-origin isolated';
}
