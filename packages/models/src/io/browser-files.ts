/**
 * Browser handlers that move a model through files: `downloads://name` saves `name.json` and
 * `name.weights.bin` as two downloads; `browserFiles([jsonFile, weightsFile])` loads them back
 * from `File` objects (an `<input type="file" multiple>`, drag and drop).
 */
import { concatBytes, manifestPaths, parseJsonText, type IOHandler, type ModelArtifacts, type SaveResult } from './types.js';

export const DOWNLOADS_SCHEME = 'downloads://';

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1]!;
}

/** Rewrites the manifest's single weights path (the JSON is otherwise untouched). */
function withWeightsPath(modelJson: unknown, file: string): unknown {
  const j = modelJson as { weightsManifest?: { paths: string[] }[] };
  if (!Array.isArray(j.weightsManifest)) return modelJson;
  if (manifestPaths(modelJson).length !== 1) throw new Error(`downloads: the manifest must list exactly one weights file`);
  return { ...j, weightsManifest: j.weightsManifest.map((g) => ({ ...g, paths: [file] })) };
}

/**
 * Saves by triggering two downloads, `name.json` and `name.weights.bin` (browsers only).
 * @example await model.save('downloads://mnist-model')
 */
export function browserDownloads(name = 'model'): IOHandler {
  const stem = name.startsWith(DOWNLOADS_SCHEME) ? name.slice(DOWNLOADS_SCHEME.length) || 'model' : name;
  return {
    async save(artifacts: ModelArtifacts): Promise<SaveResult> {
      const doc = (globalThis as { document?: Document }).document;
      if (!doc || typeof URL.createObjectURL !== 'function') throw new Error('downloads:// needs a browser page (document and URL.createObjectURL)');
      const weightsName = `${stem}.weights.bin`;
      const text = JSON.stringify(withWeightsPath(artifacts.modelJson, weightsName));
      const files: [string, Blob][] = [
        [`${stem}.json`, new Blob([text], { type: 'application/json' })],
        [weightsName, new Blob([artifacts.weightData as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' })],
      ];
      for (const [file, blob] of files) {
        const url = URL.createObjectURL(blob);
        const a = doc.createElement('a');
        a.href = url;
        a.download = file;
        a.style.display = 'none';
        doc.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 0);
      }
      return { location: `${DOWNLOADS_SCHEME}${stem}`, modelJsonBytes: files[0]![1].size, weightDataBytes: artifacts.weightData.byteLength };
    },
  };
}

/**
 * Loads from `File`s (or Blobs with a `name`): one `.json` file and the weight files its
 * manifest lists, matched by file name (a single weights file is accepted under any name when
 * the manifest lists one).
 * @example const model = await loadModel(browserFiles([...input.files]))
 */
export function browserFiles(files: readonly File[]): IOHandler {
  return {
    async load(): Promise<ModelArtifacts> {
      if (!Array.isArray(files) || files.length < 2) throw new Error(`browserFiles: expected a model .json file and its weights file(s), got ${Array.isArray(files) ? files.length : typeof files} file(s)`);
      const jsons = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
      if (jsons.length !== 1) throw new Error(`browserFiles: expected exactly one .json file among [${files.map((f) => f.name).join(', ')}], found ${jsons.length}`);
      const jsonFile = jsons[0]!;
      const others = files.filter((f) => f !== jsonFile);
      const modelJson = parseJsonText(await jsonFile.text(), jsonFile.name);
      let paths: string[];
      try {
        paths = manifestPaths(modelJson);
      } catch (e) {
        throw new Error(`loadModel: ${jsonFile.name}: ${(e as Error).message}`);
      }
      const picked = paths.map((p) => {
        const f = others.find((o) => o.name === baseName(p));
        if (f) return f;
        if (paths.length === 1 && others.length === 1) return others[0]!;
        throw new Error(`browserFiles: ${jsonFile.name} lists the weights file '${baseName(p)}', which is not among [${others.map((o) => o.name).join(', ')}]`);
      });
      const chunks = await Promise.all(picked.map(async (f) => new Uint8Array(await f.arrayBuffer())));
      return { modelJson, weightData: concatBytes(chunks), jsonSource: jsonFile.name, weightsSource: picked.map((f) => f.name).join(' + ') };
    },
  };
}
