import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The same build runs in the Tauri window and in a browser served by `runlens serve`.
export default defineConfig({
  plugins: [svelte()],
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: { proxy: { '/-/': 'http://127.0.0.1:5055', '/api/': 'http://127.0.0.1:5055' } },
});
