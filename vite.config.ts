import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { crx } from '@crxjs/vite-plugin';
import manifest from './manifest.json' with { type: 'json' };

// The hook and the relay must be synchronous IIFEs at document_start (crxjs' default
// loader is async and would miss sockets created by the page's first scripts).
export default defineConfig({
  plugins: [
    react(),
    crx({
      manifest: manifest as any,
      contentScripts: { standaloneFiles: ['src/page/hook.ts', 'src/content/relay.ts'] },
    }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'chrome120',
    rolldownOptions: {
      // Pages referenced only from code must be listed or they are not emitted.
      input: {
        panel: 'src/panel/index.html',
        devtools: 'src/devtools/devtools.html',
      },
    },
  },
});
