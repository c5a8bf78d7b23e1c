// The demo's own server: the built demo (static files) and its upload API on one origin,
// 127.0.0.1, with a strict Content-Security-Policy on every answer. An "offline" switch
// makes the API refuse service: while it is on, every /api request has its connection
// destroyed without an answer, which a browser reports as a network error, exactly like
// a refused connection (the page and the API share one origin, so the listening socket
// itself must stay up for the page to load).
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startStaticServer } from '../../scripts/static-server.mjs'
import { SWITCH_URL } from '../upload-protocol.mjs'
import { createUploads } from './uploads.mjs'

export const CSP = "default-src 'self'; script-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'"
const SECURITY = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' }
const MIB = 1024 * 1024

/** A positive integer from the environment, or the fallback. */
function fromEnv(name, fallback) {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  const number = Number(value)
  if (!Number.isSafeInteger(number) || number < 1) throw new Error(`${name} must be a positive integer, got ${value}.`)
  return number
}

/**
 * Starts the demo server. Every option has a default from the environment.
 * @param {import('./server.d.mts').DemoServerOptions} [options]
 * @returns {Promise<import('./server.d.mts').DemoServer>}
 */
export async function startDemoServer(options = {}) {
  const root = options.root ?? fileURLToPath(new URL('../dist', import.meta.url))
  const uploadsDir = options.uploadsDir ?? process.env.ERRAND_DEMO_UPLOADS ?? join(tmpdir(), 'errand-demo-uploads')
  const maxFileBytes = options.maxFileBytes ?? fromEnv('ERRAND_DEMO_MAX_FILE', 1024 * MIB)
  const maxChunkBytes = options.maxChunkBytes ?? fromEnv('ERRAND_DEMO_MAX_CHUNK', 8 * MIB)
  const uploads = await createUploads({ dir: uploadsDir, maxFileBytes, maxChunkBytes })
  let offline = false

  const json = (request, response, status, body, extra = {}) => {
    const text = JSON.stringify(body)
    response.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
      // A refused request whose body was not read: close rather than read up to a gigabyte to keep the connection.
      ...(status >= 400 && !request.complete ? { connection: 'close' } : {}),
      ...SECURITY,
      ...extra,
    })
    response.end(text)
  }

  /** @type {(request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => Promise<boolean>} */
  const routes = async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    if (path === SWITCH_URL) {
      if (request.method === 'PUT') {
        const chunks = []
        for await (const chunk of request) chunks.push(chunk)
        let wanted
        try {
          wanted = JSON.parse(Buffer.concat(chunks).toString('utf8')).offline
        } catch {}
        if (typeof wanted !== 'boolean') return json(request, response, 400, { error: 'Send JSON { "offline": true | false }.' }), true
        offline = wanted
      } else if (request.method !== 'GET') return json(request, response, 405, { error: `Use GET or PUT for ${SWITCH_URL}.` }), true
      json(request, response, 200, { offline })
      return true
    }
    if (path !== '/api' && !path.startsWith('/api/')) return false
    if (offline) {
      request.socket.destroy() // no answer at all: the browser sees a network error
      return true
    }
    const answer = await uploads.handle(request, path)
    if (!response.destroyed) json(request, response, answer.status, answer.body, answer.replayed ? { 'idempotent-replayed': 'true' } : {})
    return true
  }

  const server = await startStaticServer({ root, port: options.port ?? fromEnv('PORT', 0), headers: SECURITY, routes })
  return {
    url: server.url,
    uploadsDir,
    get offline() {
      return offline
    },
    setOffline(value) {
      offline = value
    },
    uploads: uploads.list,
    pathOf: uploads.pathOf,
    close: server.close,
  }
}
