/**
 * The Node file handler: a folder with `model.json` and the weight files its manifest lists
 * (`weights.bin`). Only loaded under Node (by a dynamic import from `handlers.ts`), and it
 * imports `node:fs` itself only when called, so browser bundles never need it.
 */
import { concatBytes, manifestPaths, parseJsonText, type IOHandler, type ModelArtifacts, type SaveResult } from './types.js';

/** `file://` URLs and plain paths to a folder; a path ending in `.json` names the model.json itself. */
function resolveTarget(target: string): { dir: string; jsonFile: string | null } {
  let p = target;
  if (p.startsWith('file://')) {
    p = p.slice('file://'.length);
    try {
      p = decodeURIComponent(p);
    } catch {
      /* keep as is */
    }
  }
  if (p === '') throw new Error(`model path is empty (${JSON.stringify(target)})`);
  return p.toLowerCase().endsWith('.json') ? { dir: '', jsonFile: p } : { dir: p, jsonFile: null };
}

function safeName(file: string, jsonFile: string): string {
  if (file === '' || file.startsWith('/') || file.startsWith('\\') || /^[a-zA-Z]:/.test(file) || file.split(/[\\/]/).includes('..')) {
    throw new Error(`loadModel: ${jsonFile} lists the weights file '${file}', which is not a plain relative path inside the model's folder`);
  }
  return file;
}

function ioError(op: string, file: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  const why = err?.code === 'ENOENT' ? 'no such file' : (err?.message ?? String(e));
  return new Error(`${op}: cannot ${op === 'loadModel' ? 'read' : 'write'} ${file} (${why})`);
}

/** A handler for the folder `path` (or `file://path`, or a path to the model.json). */
export function fileSystemHandler(target: string): IOHandler {
  const { dir, jsonFile } = resolveTarget(target);
  return {
    async save(artifacts: ModelArtifacts): Promise<SaveResult> {
      if (jsonFile) throw new Error(`model.save: '${target}' names a .json file; pass the folder to save into`);
      const fs = await import('node:fs/promises');
      const { join } = await import('node:path');
      const paths = manifestPaths(artifacts.modelJson);
      if (paths.length !== 1) throw new Error(`model.save: the file handler writes one weights file; the manifest lists ${paths.length}`);
      const weightsFile = join(dir, safeName(paths[0]!, 'model.json'));
      const modelFile = join(dir, 'model.json');
      const text = JSON.stringify(artifacts.modelJson, null, 1);
      try {
        await fs.mkdir(dir, { recursive: true });
        // write both to temporary names first, then rename: a crash mid-save leaves the previous model intact
        const tmp = `.tmp-${process.pid}-${Date.now()}`;
        await fs.writeFile(weightsFile + tmp, artifacts.weightData);
        await fs.writeFile(modelFile + tmp, text);
        await fs.rename(weightsFile + tmp, weightsFile);
        await fs.rename(modelFile + tmp, modelFile);
      } catch (e) {
        throw ioError('model.save', dir, e);
      }
      return { location: dir, modelJsonBytes: Buffer.byteLength(text), weightDataBytes: artifacts.weightData.byteLength };
    },

    async load(): Promise<ModelArtifacts> {
      const fs = await import('node:fs/promises');
      const { dirname, join } = await import('node:path');
      const modelFile = jsonFile ?? join(dir, 'model.json');
      const folder = jsonFile ? dirname(jsonFile) : dir;
      let text: string;
      try {
        text = await fs.readFile(modelFile, 'utf8');
      } catch (e) {
        throw ioError('loadModel', modelFile, e);
      }
      const modelJson = parseJsonText(text, modelFile);
      let paths: string[];
      try {
        paths = manifestPaths(modelJson);
      } catch (e) {
        throw new Error(`loadModel: ${modelFile}: ${(e as Error).message}`);
      }
      const files = paths.map((p) => join(folder, safeName(p, modelFile)));
      const chunks: Uint8Array[] = [];
      for (const f of files) {
        try {
          const b = await fs.readFile(f);
          chunks.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
        } catch (e) {
          throw ioError('loadModel', f, e);
        }
      }
      return { modelJson, weightData: concatBytes(chunks), jsonSource: modelFile, weightsSource: files.join(' + ') };
    },
  };
}
