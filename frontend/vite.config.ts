import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { VitePWA } from 'vite-plugin-pwa'

// The build lands in ../webui/dist, where the Go binary embeds it (-tags embedui).
// The service worker (src/sw.ts) is built by vite-plugin-pwa with the precache
// manifest injected; the web app manifest makes the PWA installable.
export default defineConfig({
  plugins: [
    vue(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      // iife: a classic worker script every browser runs (and no deprecated
      // inlineDynamicImports in the worker's build)
      // The chart code (ECharts) is for the office's pages: not precached on
      // every cadre's phone, but kept once a report page has loaded it (sw.ts).
      injectManifest: { globPatterns: ['**/*.{js,css,html,png,svg,woff2}'], globIgnores: ['**/echarts-*.js'], rollupFormat: 'iife' },
      manifest: {
        name: '台账 · 作风整顿与我为群众办实事',
        short_name: '台账',
        description: '干部填报、审核和跟踪整改的台账',
        lang: 'zh-CN',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f7f8fa',
        theme_color: '#c9151e',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
    }),
  ],
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
