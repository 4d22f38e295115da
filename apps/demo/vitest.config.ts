import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../tooling/vitest.shared.ts';

export default mergeConfig(shared, defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the e2e suite builds nothing itself when turbo's build ran first; one browser, run serially
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
}));
