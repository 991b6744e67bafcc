// The console's build: Vite (rolldown, oxc) with Preact's JSX. `npm run build:console` (and npm's
// prepare, on every npm ci / npm install) writes console/dist/, which the zjobs server serves at
// /console. `npx vite console` serves it with hot reload, calling a zjobs on localhost:8080.
import { defineConfig } from 'vite'

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One script and one style sheet: the console is small, and a first load is one round trip each.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    // The dev server calls the API on a running zjobs (same origin for the browser, no CORS).
    proxy: Object.fromEntries(['/oauth', '/query', '/objects', '/v1', '/apps', '/files', '/admin'].map((path) => [path, 'http://localhost:8080'])),
  },
})
