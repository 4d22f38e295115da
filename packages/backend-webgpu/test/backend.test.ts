import * as nb from '@nabla/tensor';
import { engine, memory, setBackend, tensor, tidy, type Tensor } from '@nabla/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeWebGPUBackend, createWebGPUBackend, WebGPUError, type WebGPUBackend } from '../src/node.js';
import type { GBuf } from '../src/runtime.js';

let backend: WebGPUBackend;

beforeAll(async () => {
  backend = await createNodeWebGPUBackend();
  await setBackend(backend);
});

afterAll(() => backend.dispose());

const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data());

describe('webgpu backend', () => {
  it('queues work: dispatches are submitted on read, and at the batch limit', async () => {
    const s = backend.runtime.stats;
    const x = tensor([1, 2, 3]);
    await x.data();
    const submits = s.submits;
    const dispatches = s.dispatches;
    let y = x;
    for (let i = 0; i < 10; i++) y = tidy(() => nb.add(y, 1));
    expect(s.dispatches - dispatches).toBe(10);
    expect(s.submits).toBe(submits);
    expect(await values(y)).toEqual([11, 12, 13]);
    expect(s.submits).toBe(submits + 1);
    // more dispatches than the batch limit (128) submit on their own, and stay correct
    let z = x;
    for (let i = 0; i < 300; i++) {
      const next = nb.mul(z, 1.01);
      if (z !== x) z.dispose();
      z = next;
    }
    expect(s.submits - submits).toBeGreaterThanOrEqual(3);
    const got = await values(z);
    [1, 2, 3].forEach((v, i) => expect(got[i]!).toBeCloseTo(v * 1.01 ** 300, 2));
  });

  it('buffers freed while still queued are not overwritten by uploads', async () => {
    // x's buffer is released before the queued exp that reads it is submitted; the upload
    // that follows must not land in it (queue.writeBuffer runs before pending commands)
    const outs: Tensor[] = [];
    for (let i = 0; i < 20; i++) {
      const x = tensor([i, i + 1, i + 2, i + 3]);
      outs.push(nb.neg(x));
      x.dispose();
    }
    for (let i = 0; i < 20; i++) expect(await values(outs[i]!)).toEqual([-i, -i - 1, -i - 2, -i - 3]);
    outs.forEach((t) => t.dispose());
  });

  it('reuses pooled buffers and cached bind groups in a loop', async () => {
    const s = backend.runtime.stats;
    const w = tensor(new Float32Array(64).fill(0.5), [8, 8]);
    const step = (): Promise<Float32Array> => {
      const y = tidy(() => nb.sum(nb.relu(nb.matmul(w, w))));
      return y.data().finally(() => y.dispose()) as Promise<Float32Array>;
    };
    await step();
    await step();
    const created = s.buffersCreated;
    const hits = s.bindGroupHits;
    for (let i = 0; i < 5; i++) expect((await step())[0]).toBe(128);
    expect(s.buffersCreated).toBe(created);
    expect(s.bindGroupHits - hits).toBeGreaterThanOrEqual(15);
  });

  it('a full pool destroys free buffers, and results stay right', async () => {
    const small = await createNodeWebGPUBackend({ poolBytes: 64 * 1024 });
    await setBackend(small);
    for (let i = 0; i < 12; i++) {
      const x = nb.fill([16384 + i * 1024], i);
      const y = tidy(() => nb.sum(nb.add(x, 1)));
      expect((await y.data())[0]).toBe((i + 1) * (16384 + i * 1024));
      x.dispose();
      y.dispose();
    }
    expect(small.runtime.stats.buffersDestroyed).toBeGreaterThan(0);
    small.dispose();
    await setBackend(backend);
  });

  it('bool is stored as 32-bit words and read back as bytes', async () => {
    const b = tensor([true, false, true]);
    const d = await b.data();
    expect(d).toBeInstanceOf(Uint8Array);
    expect(Array.from(d)).toEqual([1, 0, 1]);
    expect(Array.from(await nb.logicalNot(b).data())).toEqual([0, 1, 0]);
    expect(memory().numBytes).toBeGreaterThan(0);
  });

  it('splits dispatches larger than maxComputeWorkgroupsPerDimension', async () => {
    // 64 * 65535 = 4194240 threads is the most one dimension holds
    const n = 4_300_000;
    const x = nb.fill([n], 1.5);
    const y = nb.add(x, nb.arange(0, n, 1, 'float32'));
    const d = (await y.data()) as Float32Array;
    expect(d.length).toBe(n);
    expect([d[0], d[1], d[4_194_239], d[4_194_240], d[n - 1]]).toEqual([1.5, 2.5, 4_194_240.5, 4_194_241.5, n - 1 + 1.5]);
    expect((await nb.sum(x).data())[0]).toBeCloseTo(1.5 * n, -1);
    x.dispose();
    y.dispose();
  });

  it('long reductions fold in chunks, then reduce the chunks', async () => {
    const n = 100_003;
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = ((i * 7919) % 1000) / 1000 - 0.3;
    const x = tensor(v);
    let ref = 0;
    for (const e of v) ref += e;
    expect((await nb.sum(x).data())[0]).toBeCloseTo(ref, 1);
    v[77_777] = 5;
    v[88_888] = NaN;
    const y = tensor(v);
    expect(Array.from(await nb.argmax(y).data())).toEqual([88_888]);
    expect(Array.from(await nb.argmax(nb.slice(y, [0], [88_000])).data())).toEqual([77_777]);
    expect(Number.isNaN((await nb.max(y).data())[0])).toBe(true);
    const i = tensor(Int32Array.from({ length: n }, (_, k) => k));
    expect((await nb.sum(i).data())[0]).toBe(((n * (n - 1)) / 2) | 0);
  });

  it('buffers larger than maxStorageBufferBindingSize fail with an error naming the op and the limit', () => {
    const limit = backend.runtime.limits.maxBinding;
    const n = Math.floor(limit / 4) + 16;
    const x = nb.broadcastTo(tensor([1]), [n]);
    expect(() => nb.exp(x)).toThrow(/exp: needs a \d+-byte buffer, more than this adapter's maxStorageBufferBindingSize/);
    expect(() => nb.exp(x)).toThrow(WebGPUError);
  });

  it('a validation error becomes an exception naming the op, and the backend keeps working', async () => {
    const b = await createNodeWebGPUBackend();
    await setBackend(b);
    const x = tensor([1, 2, 3]);
    // sabotage: destroy the GPU buffer behind x, then use it
    (x.storage.buffer as GBuf).entry.buffer.destroy();
    const y = nb.exp(x);
    await expect(y.data()).rejects.toThrow(/exp/);
    expect(Array.from(await nb.add(tensor([1]), 1).data())).toEqual([2]);
    b.dispose();
    await setBackend(backend);
  });

  it('creates, disposes and creates again in one process; a disposed backend says so', async () => {
    const other = await createNodeWebGPUBackend();
    await setBackend(other);
    const t = tensor([1, 2]);
    expect(await values(nb.mul(t, 2))).toEqual([2, 4]);
    engine.removeBackend('webgpu');
    expect(() => other.kernels.unary(t.info(), 'exp', 'float32')).toThrow(/exp: the WebGPU backend was disposed/);
    await expect(t.data()).rejects.toThrow(/read: the WebGPU backend was disposed/);
    await setBackend(backend);
    const again = await createNodeWebGPUBackend();
    await setBackend(again);
    expect(await values(nb.mul(tensor([3]), 2))).toEqual([6]);
    again.dispose();
    await setBackend(backend);
  });

  it('setBackend("webgpu") and setBackend("auto") use the registered Dawn factory', async () => {
    // make the engine forget our instance (registered under the same name) without disposing it
    await setBackend(await createNodeWebGPUBackend());
    engine.removeBackend('webgpu');
    const b = await setBackend('webgpu');
    expect(b.name).toBe('webgpu');
    expect(b).not.toBe(backend);
    expect(await values(nb.square(tensor([3])))).toEqual([9]);
    const auto = await setBackend('auto');
    expect(auto.name).toBe('webgpu');
    engine.removeBackend('webgpu');
    await setBackend(backend);
  });

  it('a lost device fails reads and kernels with a clear error instead of hanging', async () => {
    const lost = await createNodeWebGPUBackend();
    await setBackend(lost);
    const x = tensor([1, 2, 3]);
    const y = nb.exp(x);
    lost.device.destroy();
    await expect(y.data()).rejects.toThrow(/lost|destroy|read/i);
    await new Promise((r) => setTimeout(r, 50));
    expect(() => nb.exp(x)).toThrow(/exp: the WebGPU device was lost/);
    lost.dispose();
    await setBackend(backend);
  });

  it('a caller-owned device is not destroyed by dispose()', async () => {
    const b = await createWebGPUBackend({ device: backend.device });
    await setBackend(b);
    expect(await values(nb.sub(tensor([5]), 2))).toEqual([3]);
    b.dispose();
    await setBackend(backend);
    expect(await values(nb.sub(tensor([5]), 1))).toEqual([4]);
  });
});
