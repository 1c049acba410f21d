import { fileURLToPath, URL } from 'node:url'
import type { Connect, Plugin } from 'vite'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

/**
 * Multi-page layout. Each page is a separate SPA served under its own URL base:
 *   <name>/index.html  ->  dist/<name>/index.html, served at /<name>/
 * admin: the PC back office (Element Plus); m: the phone pages for citizens and site staff (Vant).
 */
const pages: { name: string; base: string }[] = [
  { name: 'admin', base: '/admin/' },
  { name: 'm', base: '/m/' },
]

const API_TARGET = process.env.FANGYI_API ?? 'http://127.0.0.1:8080'

/** History-API fallback for every page in dev/preview (e.g. /admin/system/users -> /admin/index.html). */
function multiPageFallback(): Plugin {
  const rewrite: Connect.NextHandleFunction = (req, _res, next) => {
    const url = req.url ?? '/'
    const path = url.split('?')[0]
    if (path === '/' || path === '/index.html') {
      req.url = pages[0].base + 'index.html'
      return next()
    }
    for (const p of pages) {
      const bare = p.base.replace(/\/$/, '')
      if (path === bare || (path.startsWith(p.base) && !/\.[a-z0-9]+$/i.test(path))) {
        // Only rewrite page navigations, not module requests (which carry an extension or ?query).
        const accept = req.headers.accept ?? ''
        if (accept.includes('text/html')) req.url = p.base + 'index.html'
        break
      }
    }
    next()
  }
  return {
    name: 'fangyi-multi-page-fallback',
    configureServer(server) {
      server.middlewares.use(rewrite)
    },
    configurePreviewServer(server) {
      server.middlewares.use(rewrite)
    },
  }
}

export default defineConfig({
  base: '/',
  plugins: [vue(), multiPageFallback()],
  resolve: {
    alias: {
      '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)),
      '@admin': fileURLToPath(new URL('./src/admin', import.meta.url)),
      '@m': fileURLToPath(new URL('./src/m', import.meta.url)),
    },
  },
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1600,
    rollupOptions: {
      input: Object.fromEntries(
        pages.map((p) => [
          p.name,
          fileURLToPath(new URL(`./${p.name}/index.html`, import.meta.url)),
        ]),
      ),
      output: {
        manualChunks(id) {
          if (id.includes('node_modules')) {
            if (id.includes('element-plus') || id.includes('@element-plus')) return 'element-plus'
            if (id.includes('/vant/') || id.includes('@vant')) return 'vant'
            if (id.includes('echarts') || id.includes('zrender')) return 'echarts'
            if (id.includes('jsqr')) return 'jsqr'
            return 'vendor'
          }
          return undefined
        },
      },
    },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': { target: API_TARGET, changeOrigin: false },
    },
  },
  preview: {
    host: '127.0.0.1',
    port: 4173,
    proxy: {
      '/api': { target: API_TARGET, changeOrigin: false },
    },
  },
})
