import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { viteSingleFile } from 'vite-plugin-singlefile';

// Standalone viewer (issue 6): the panel UI as one self-contained HTML file (scripts and
// styles inlined) that opens a session file without the extension, also from file://.
export default defineConfig({
  root: 'src/viewer',
  base: './',
  plugins: [react(), viteSingleFile()],
  build: {
    outDir: '../../dist-viewer',
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: false,
  },
});
