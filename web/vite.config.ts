// The dashboard's build: `npm run build:web` writes web/dist, which `cairn serve` serves at /.
// `CAIRN_URL=http://127.0.0.1:PORT npx vite web` serves it in development against a running daemon.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const daemon = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env
  .CAIRN_URL;

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 600 },
  server: daemon ? { proxy: { '/api': { target: daemon, changeOrigin: false } } } : {},
});
