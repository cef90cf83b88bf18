import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by `umca serve` at `/`; in development (`npx vite ui`) the API is proxied to it.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/v1': 'http://127.0.0.1:7070', '/readyz': 'http://127.0.0.1:7070' } },
});
