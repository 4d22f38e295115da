import { resolve } from 'node:path';
import { defineConfig } from 'vite';

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
  preview: { port: 4173 },
});
