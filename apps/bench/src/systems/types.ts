import type { ParamsOf, WorkloadId } from '../workloads/types.js';

export type SystemName = 'nabla' | 'tfjs';
export type BackendName = 'cpu' | 'wasm' | 'webgpu';

/** A set-up workload at one size on one contestant. */
export interface Case {
  /** One call: the operation and `await` of its result's data (forces completion). */
  run(): Promise<void>;
  /** Frees what setup made. */
  teardown(): void | Promise<void>;
}

/** One system on one backend: a column of the comparison. */
export interface Contestant {
  system: SystemName;
  backend: BackendName;
  /** 'cpu' for cpu and wasm, 'gpu' for webgpu: ratios compare like with like. */
  kind: 'cpu' | 'gpu';
  /** Adapter description for WebGPU rows, e.g. "SwiftShader driver 5.0.0 (google/swiftshader)". */
  adapter?: string;
  /** A software (CPU-emulated) WebGPU adapter: its figures are not GPU performance. */
  software?: boolean;
  /** Set when this contestant cannot run at all (package missing, no adapter, ...). */
  unavailable?: string;
  /** Makes this backend the active one (outside the clock). */
  activate(): Promise<void>;
  /** null when the workload can run here, else the reason it cannot. */
  supports(workload: WorkloadId): string | null;
  setup<W extends WorkloadId>(workload: W, params: ParamsOf[W]): Promise<Case>;
  /** Bytes of tensors alive in this system (all of its backends), from its memory(). */
  liveBytes(): number;
  /** Runs fn once and returns the highest liveBytes() seen while it ran. */
  peakBytes(fn: () => Promise<void>): Promise<number>;
}

/** What loading a system yields. */
export interface LoadedSystem {
  name: SystemName;
  contestants: Contestant[];
  /** Lines for the notes under the table (versions, threads, what is unavailable and why). */
  notes: string[];
}

/** A contestant that reports why it cannot run. */
export function unavailableContestant(system: SystemName, backend: BackendName, reason: string): Contestant {
  return {
    system, backend, kind: backend === 'webgpu' ? 'gpu' : 'cpu', unavailable: reason,
    async activate() { throw new Error(reason); },
    supports: () => reason,
    async setup() { throw new Error(reason); },
    liveBytes: () => 0,
    async peakBytes() { return 0; },
  };
}
