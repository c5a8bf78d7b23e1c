// The one static file server for built pages (the demo, the e2e fixture): 127.0.0.1,
// a port picked at run time unless given, GET/HEAD of known file types only, nothing
// outside `root`, extra headers (a CSP) on every answer. An optional `routes` hook
// (the e2e ledger) sees every request first and answers the ones it claims.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { extname, resolve, sep } from 'node:path'

/** The file types a built page ships; anything else is a 404. */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
}

/** The file inside `root` a request path names, or undefined if it would leave `root`. */
function fileFor(root, rawUrl) {
  let pathname
  try {
    pathname = decodeURIComponent(new URL(rawUrl, 'http://localhost').pathname)
  } catch {
    return undefined // malformed percent-encoding
  }
  if (pathname.includes('\0')) return undefined
  if (pathname.endsWith('/')) pathname += 'index.html'
  // `resolve` collapses `..`; whatever still escapes the root is refused.
  const file = resolve(root, `.${pathname}`)
  return file.startsWith(root + sep) ? file : undefined
}

async function answer(root, headers, request, response) {
  const plain = (status, text, extra = {}) => {
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers, ...extra })
    response.end(text)
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed', { allow: 'GET, HEAD' })
  const file = fileFor(root, request.url ?? '/')
  const type = file && TYPES[extname(file)]
  const info = type ? await stat(file).catch(() => undefined) : undefined
  if (!info?.isFile()) return plain(404, 'Not found')
  response.writeHead(200, {
    'content-type': type,
    'content-length': info.size,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...headers,
  })
  if (request.method === 'HEAD') return response.end()
  createReadStream(file)
    .on('error', () => response.destroy())
    .pipe(response)
}

/**
 * @param {{
 *   root: string, port?: number, host?: string, headers?: Record<string, string>,
 *   routes?: (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => boolean | Promise<boolean>,
 * }} options `routes` is tried before the static files: it returns true when it answered
 *   the request (or will), false to let the files answer it as usual.
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startStaticServer({ root, port = 0, host = '127.0.0.1', headers = {}, routes }) {
  const base = resolve(root)
  const serve = async (request, response) => {
    if (routes && (await routes(request, response))) return
    await answer(base, headers, request, response)
  }
  const server = createServer((request, response) => {
    serve(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500)
      response.end()
    })
  })
  await new Promise((done, fail) => {
    server.once('error', fail)
    server.listen(port, host, () => {
      server.off('error', fail)
      done()
    })
  })
  return {
    url: `http://${host}:${server.address().port}`,
    close: () =>
      new Promise((done, fail) => {
        server.close((error) => (error ? fail(error) : done()))
        server.closeAllConnections()
      }),
  }
}
