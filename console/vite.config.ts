import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by Ferry itself at `/`, from console/dist; `npm run console:dev` serves it
// with hot reload and sends /api to a running Ferry (FERRY_URL, default http://127.0.0.1:8787).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': process.env.FERRY_URL ?? 'http://127.0.0.1:8787' } },
});
