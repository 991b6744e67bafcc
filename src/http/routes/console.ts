// The web console's files (console/dist, built by scripts/build-console.ts at install): `/`
// redirects to `/console/`; `/console/assets/*` are the hashed script and style sheet, cached
// for good; any other path under `/console` is the page itself, whose router shows the view.
// The build wrote a brotli and a gzip copy of each text file: the one the browser accepts is
// sent as it is. Nothing of the build tooling is loaded here. The console calls the public
// API and /admin like any client: these routes serve files only.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'

export const CONSOLE_DIST = new URL('../../../console/dist/', import.meta.url).pathname

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>zjobs console</title>
<p>The console is not built: run <code>npm run build:console</code> (npm ci builds it), then reload.</p>`

/** The encodings the request accepts, best first, of those the build wrote. */
function encodings(request: FastifyRequest): ('br' | 'gzip')[] {
  const header = String(request.headers['accept-encoding'] ?? '')
  const accepted = new Set(
    header
      .split(',')
      .map((part) => part.trim().split(';'))
      .filter(([, q]) => !q || Number(q.trim().replace(/^q=/, '')) > 0)
      .map(([name]) => name.trim().toLowerCase()),
  )
  return (['br', 'gzip'] as const).filter((name) => accepted.has(name))
}

async function readIfAny(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') return undefined
    throw error
  }
}

/** Sends the file at `relativePath` of the build (its compressed copy when accepted); false when there is none. */
async function sendFile(request: FastifyRequest, reply: FastifyReply, relativePath: string, cache: string): Promise<boolean> {
  const path = join(CONSOLE_DIST, relativePath)
  const type = TYPES[extname(path)] ?? 'application/octet-stream'
  reply.header('Vary', 'Accept-Encoding').header('Cache-Control', cache).header('X-Content-Type-Options', 'nosniff')
  for (const encoding of encodings(request)) {
    const body = await readIfAny(`${path}.${encoding === 'br' ? 'br' : 'gz'}`)
    if (body) {
      await reply.type(type).header('Content-Encoding', encoding).send(body)
      return true
    }
  }
  const body = await readIfAny(path)
  if (!body) return false
  await reply.type(type).send(body)
  return true
}

export async function consoleRoutes(app: FastifyInstance) {
  const config = { auth: 'none', family: 'plain' } as const
  const schema = { hide: true }

  app.get('/', { config, schema }, async (_request, reply) => reply.redirect('/console/', 302))

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    // The page is small and names its hashed assets: always asked again.
    if (!(await sendFile(request, reply, 'index.html', 'no-cache'))) {
      await reply.code(503).type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(NOT_BUILT)
    }
    return reply
  }
  app.get('/console', { config, schema }, page)
  app.get<{ Params: { '*': string } }>('/console/*', { config, schema }, async (request, reply) => {
    const rest = request.params['*']
    if (rest.startsWith('assets/')) {
      // Hashed names only, no way out of the folder.
      if (!/^assets\/[\w.-]+$/.test(rest) || rest.includes('..')) return reply.callNotFound()
      if (await sendFile(request, reply, rest, 'public, max-age=31536000, immutable')) return reply
      return reply.callNotFound()
    }
    return page(request, reply)
  })
}
