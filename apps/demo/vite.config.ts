import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** Headers that make the pages cross-origin isolated (everything the site loads is its own). */
export const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** One HTML page per course picture (a multi-page app: each page paints without a router). */
export const PAGES = ['index', 'activations', 'graph', 'optimizers', 'batch', 'train'] as const;

export default defineConfig({
  // relative asset URLs, so dist/ works from any folder of any static host
  base: './',
  build: {
    target: 'es2022',
    rollupOptions: { input: Object.fromEntries(PAGES.map((p) => [p, resolve(import.meta.dirname, `${p}.html`)])) },
  },
  worker: { format: 'es' },
  // cross-origin isolation: the CPU backend then keeps tensors in its shared wasm heap and splits
  // large products across threads inside the training worker (without it, JS arrays, one thread)
  server: { headers: ISOLATION },
  preview: { port: 4173, headers: ISOLATION },
});
