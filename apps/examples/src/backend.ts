import '@nabla/backend-cpu';
import { setBackend } from '@nabla/tensor';

/**
 * 'cpu', 'webgpu', or 'auto': WebGPU when a hardware adapter exists, else the CPU
 * (a software WebGPU adapter is slower than the CPU backend, so 'auto' never picks one).
 */
export async function chooseBackend(name: string): Promise<string> {
  if (name === 'cpu') {
    await setBackend('cpu');
    return 'cpu';
  }
  if (name === 'webgpu' || name === 'auto') {
    try {
      const gpu = await import('@nabla/backend-webgpu');
      const info = (gpu as { describeAdapter?: () => Promise<{ software: boolean; description: string }> }).describeAdapter;
      const adapter = info ? await info() : null;
      if (name === 'auto' && (!adapter || adapter.software)) {
        await setBackend('cpu');
        return `cpu (${adapter ? `the WebGPU adapter '${adapter.description}' is a software one` : 'no WebGPU adapter'})`;
      }
      await setBackend('webgpu');
      return `webgpu${adapter ? ` (${adapter.description}${adapter.software ? ', software adapter' : ''})` : ''}`;
    } catch (e) {
      if (name === 'webgpu') throw e;
      await setBackend('cpu');
      return `cpu (WebGPU unavailable: ${(e as Error).message})`;
    }
  }
  throw new Error(`--backend must be cpu, webgpu or auto, got '${name}'`);
}
