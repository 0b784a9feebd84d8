import { defineConfig } from 'vite';

// Node build of the `ackscope` CLI and the `ackscope/playwright` helper (issue 6): ESM in
// dist-cli/, dependencies left as imports from node_modules (SSR build externalises them).
export default defineConfig({
  // public/ holds the extension's icons, not needed here.
  publicDir: false,
  build: {
    ssr: true,
    outDir: 'dist-cli',
    emptyOutDir: true,
    sourcemap: true,
    target: 'node20',
    minify: false,
    rolldownOptions: {
      input: { cli: 'src/cli/main.ts', playwright: 'src/playwright/index.ts' },
      output: { format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
