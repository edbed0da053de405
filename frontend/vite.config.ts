import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// The build lands in ../webui/dist, where the Go binary embeds it (-tags embedui).
export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: '../webui/dist',
    emptyOutDir: true,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080', '/readyz': 'http://127.0.0.1:8080' },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'], // e2e/ runs under node --test against the real binary
    server: { deps: { inline: ['vant'] } },
  },
})
