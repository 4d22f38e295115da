/**
 * What a model becomes on its way to storage: the JSON half (`model.json`) and the bytes its
 * `weightsManifest` describes (`weights.bin`). IO handlers move artifacts; `save.ts` makes and
 * checks them. See docs/model-format.md.
 */
export interface ModelArtifacts {
  /** The parsed `model.json` (nabla format 2 or 1, or a TensorFlow.js layers model). Checked by `loadModel`. */
  modelJson: unknown;
  /** Every file of the weights manifest, concatenated in manifest order. */
  weightData: Uint8Array;
  /** Where the JSON came from (a path, `indexeddb://name`, a file name), for error messages. */
  jsonSource?: string;
  /** Where the weights came from, for error messages. */
  weightsSource?: string;
}

/** What a handler reports after saving. */
export interface SaveResult {
  /** Where it went: a folder, `indexeddb://name`, `downloads://name`. */
  location: string;
  /** Bytes of the JSON text and of the weights. */
  modelJsonBytes: number;
  weightDataBytes: number;
}

/**
 * Moves model artifacts to or from somewhere. `model.save(handler)` calls `save`,
 * `loadModel(handler)` calls `load`; a handler may implement only one of them.
 * @example await model.save({ async save(a) { ...; return { location: 'memory', modelJsonBytes: 0, weightDataBytes: a.weightData.byteLength }; } })
 */
export interface IOHandler {
  save?(artifacts: ModelArtifacts): Promise<SaveResult>;
  load?(): Promise<ModelArtifacts>;
}

/** The weight files a manifest lists, in order (`weightsManifest[].paths`); `['weights.bin']` when there is no manifest (format 1). */
export function manifestPaths(modelJson: unknown): string[] {
  const m = (modelJson as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(m)) return ['weights.bin'];
  const paths: string[] = [];
  for (const group of m) {
    const ps = (group as { paths?: unknown } | null)?.paths;
    if (!Array.isArray(ps) || !ps.every((p) => typeof p === 'string')) throw new Error('weightsManifest: every group needs a "paths" array of file names');
    paths.push(...(ps as string[]));
  }
  return paths;
}

/** Parses JSON text naming `source` in the error. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`loadModel: ${source} is not valid JSON (${(e as Error).message}); the file is corrupted or not a model.json`);
  }
}

/** Concatenates byte chunks. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}
