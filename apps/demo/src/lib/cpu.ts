import '@nabla/backend-cpu';
import { setBackend } from '@nabla/tensor';

/**
 * The small interactive pages (a few hundred numbers per frame) run nabla on its CPU backend on the
 * main thread: for tensors this small a GPU round trip costs more than the maths.
 */
export async function useCpu(): Promise<string> {
  await setBackend('cpu');
  return 'cpu';
}

/** Shows an error where the visitor sees it (and in the console, where tests see it). */
export function showError(el: HTMLElement, e: unknown): void {
  el.textContent = `Error: ${(e as Error).message ?? String(e)}`;
  el.classList.add('error');
  console.error(e);
}
