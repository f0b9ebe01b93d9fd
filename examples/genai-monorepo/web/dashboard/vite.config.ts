import { defineConfig } from 'vite'

export default defineConfig({
  server: {
    port: 3000,  // Configurable via CLI: --port 3001
    proxy: {
      '/api': {
        target: 'http://localhost:8000',  // Proxy to FastAPI service
        changeOrigin: true,
        rewrite: (path) => path.replace(/^\/api/, ''),
      },
    },
  },
})
