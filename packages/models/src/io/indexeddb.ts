/**
 * The browser IndexedDB handler (`indexeddb://name`): one record per model in the object store
 * `models` of the database `nabla-models`, written in a single transaction (so a save is all or
 * nothing). The record holds the model.json text and the weight bytes.
 */
import { parseJsonText, type IOHandler, type ModelArtifacts, type SaveResult } from './types.js';

export const INDEXEDDB_SCHEME = 'indexeddb://';
const DB_NAME = 'nabla-models';
const STORE = 'models';

interface StoredModel {
  name: string;
  modelJson: string;
  weightData: ArrayBuffer;
  dateSaved: string;
}

function factory(given?: IDBFactory): IDBFactory {
  const f = given ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!f) throw new Error('IndexedDB is not available in this environment (indexeddb:// works in browsers and workers; in Node use a folder path)');
  return f;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

async function openDb(f: IDBFactory): Promise<IDBDatabase> {
  const r = f.open(DB_NAME, 1);
  r.onupgradeneeded = () => {
    if (!r.result.objectStoreNames.contains(STORE)) r.result.createObjectStore(STORE, { keyPath: 'name' });
  };
  return request(r);
}

async function withStore<T>(f: IDBFactory, mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb(f);
  try {
    const tx = db.transaction(STORE, mode);
    const result = request(fn(tx.objectStore(STORE)));
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
    const [value] = await Promise.all([result, done]);
    return value;
  } finally {
    db.close();
  }
}

function nameOf(url: string): string {
  const name = url.startsWith(INDEXEDDB_SCHEME) ? url.slice(INDEXEDDB_SCHEME.length) : url;
  if (name === '') throw new Error(`indexeddb: a model name is required (e.g. 'indexeddb://my-model'), got '${url}'`);
  return name;
}

/**
 * A handler storing the model `name` in IndexedDB; `model.save('indexeddb://name')` and
 * `loadModel('indexeddb://name')` use it. `opts.indexedDB` replaces `globalThis.indexedDB` (tests).
 */
export function indexedDBHandler(name: string, opts: { indexedDB?: IDBFactory } = {}): IOHandler {
  const key = nameOf(name);
  const location = `${INDEXEDDB_SCHEME}${key}`;
  return {
    async save(artifacts: ModelArtifacts): Promise<SaveResult> {
      const text = JSON.stringify(artifacts.modelJson);
      const w = artifacts.weightData;
      const record: StoredModel = {
        name: key,
        modelJson: text,
        weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) as ArrayBuffer,
        dateSaved: new Date().toISOString(),
      };
      await withStore(factory(opts.indexedDB), 'readwrite', (s) => s.put(record));
      return { location, modelJsonBytes: new TextEncoder().encode(text).byteLength, weightDataBytes: w.byteLength };
    },

    async load(): Promise<ModelArtifacts> {
      const rec = await withStore<StoredModel | undefined>(factory(opts.indexedDB), 'readonly', (s) => s.get(key) as IDBRequest<StoredModel | undefined>);
      if (!rec) throw new Error(`loadModel: no model named '${key}' in IndexedDB (${location})`);
      if (typeof rec.modelJson !== 'string' || !(rec.weightData instanceof ArrayBuffer)) {
        throw new Error(`loadModel: the IndexedDB record ${location} is not a saved nabla model (missing modelJson text or weightData bytes)`);
      }
      return {
        modelJson: parseJsonText(rec.modelJson, `${location} (model JSON)`),
        weightData: new Uint8Array(rec.weightData),
        jsonSource: `${location} (model JSON)`,
        weightsSource: `${location} (weights)`,
      };
    },
  };
}

/** The models stored in IndexedDB, with their save dates and sizes. */
export async function listIndexedDBModels(opts: { indexedDB?: IDBFactory } = {}): Promise<{ name: string; dateSaved: string; weightDataBytes: number }[]> {
  const all = await withStore<StoredModel[]>(factory(opts.indexedDB), 'readonly', (s) => s.getAll() as IDBRequest<StoredModel[]>);
  return all.map((r) => ({ name: r.name, dateSaved: r.dateSaved, weightDataBytes: r.weightData.byteLength }));
}

/** Deletes `indexeddb://name` (no error when it does not exist). */
export async function deleteIndexedDBModel(name: string, opts: { indexedDB?: IDBFactory } = {}): Promise<void> {
  await withStore(factory(opts.indexedDB), 'readwrite', (s) => s.delete(nameOf(name)));
}
