import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Three projects: pure Node unit tests (core, cli, server), React component tests
// (happy-dom), and end-to-end tests in real Chromium with the built extension.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        plugins: [react()],
        test: {
          name: 'component',
          include: ['test/component/**/*.test.tsx'],
          environment: 'happy-dom',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // One browser at a time: 2-core machines, shared.
          fileParallelism: false,
          pool: 'forks',
        },
      },
    ],
  },
});
