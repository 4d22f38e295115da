import { createCpuBackend } from '@nabla/backend-cpu';
import { setBackend } from '@nabla/tensor';
import { beforeAll } from 'vitest';

beforeAll(async () => {
  await setBackend(createCpuBackend());
});
