/**
 * Turns what `model.save(...)` / `loadModel(...)` were given into an IOHandler:
 * `indexeddb://name`, `downloads://name`, `file://path` or a plain path (Node), or a handler object.
 */
import { browserDownloads, DOWNLOADS_SCHEME } from './browser-files.js';
import { indexedDBHandler, INDEXEDDB_SCHEME } from './indexeddb.js';
import type { IOHandler } from './types.js';

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** The handler for `target`, checked to support `op`. */
export async function resolveHandler(target: string | IOHandler, op: 'save' | 'load'): Promise<IOHandler> {
  const what = op === 'save' ? 'model.save' : 'loadModel';
  let h: IOHandler;
  if (typeof target === 'string') {
    if (target.startsWith(INDEXEDDB_SCHEME)) h = indexedDBHandler(target);
    else if (target.startsWith(DOWNLOADS_SCHEME)) {
      if (op === 'load') throw new Error(`loadModel: '${target}' can only be saved to; load downloaded files with loadModel(browserFiles([jsonFile, weightsFile]))`);
      h = browserDownloads(target);
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) && !target.startsWith('file://')) {
      throw new Error(`${what}: unsupported URL scheme in '${target}'; use a folder path or file:// (Node), indexeddb://, downloads://, or an IOHandler`);
    } else {
      if (!isNode()) {
        throw new Error(`${what}: '${target}' is a file path, which works only in Node; in a browser use 'indexeddb://name', 'downloads://name' or browserFiles([...])`);
      }
      // a dynamic import, so browser bundles never load the node:fs code
      const { fileSystemHandler } = await import('./node-file.js');
      h = fileSystemHandler(target);
    }
  } else if (target !== null && typeof target === 'object') {
    h = target;
  } else {
    throw new TypeError(`${what}: expected a path, a URL (indexeddb://, downloads://, file://) or an IOHandler, got ${target === null ? 'null' : typeof target}`);
  }
  if (typeof h[op] !== 'function') throw new Error(`${what}: this IOHandler has no ${op}() method`);
  return h;
}
