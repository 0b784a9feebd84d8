import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// `npm run build:fixtures`: the minified fixture bundle served at /fixtures/bundle/app.js.
const here = fileURLToPath(new URL('.', import.meta.url));
export default defineConfig({
  root: here,
  logLevel: 'warn',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../public/fixtures/bundle', import.meta.url)),
    emptyOutDir: true,
    minify: true,
    sourcemap: false,
    target: 'chrome120',
    modulePreload: false,
    rolldownOptions: {
      input: fileURLToPath(new URL('main.ts', import.meta.url)),
      output: { format: 'iife', entryFileNames: 'app.js' },
    },
  },
});
