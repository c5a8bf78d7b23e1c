// The network jobs' test server (e2e/network.test.ts, e2e/offline.test.ts, bench case 6): a real Node HTTP
// server on 127.0.0.1 (random port), started by each network test in its own Playwright
// worker process and by `npm run bench`. It records every request
// (body hashed, multipart files hashed one by one), honours `Idempotency-Key` (a key is
// committed once; a repeat gets the first answer again), and can be switched to fail:
// stop listening (connection refused), answer a status N times (with a body of the test's), answer slowly.
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
  'access-control-allow-headers': 'content-type, idempotency-key, authorization',
  'access-control-expose-headers': 'retry-after, x-request-count',
  'access-control-max-age': '600',
}

const sha = (data) => createHash('sha256').update(data).digest('hex')

/** The file parts of a multipart/form-data body, by the boundary in its content-type. */
/** @param {Buffer} body @param {string} contentType @returns {Buffer[]} */
function multipartFiles(body, contentType) {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType)
  if (!boundary) return []
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`)
  const files = []
  let at = body.indexOf(delimiter)
  while (at !== -1) {
    const start = at + delimiter.length + 2 // past the delimiter's CRLF
    const next = body.indexOf(delimiter, start)
    if (next === -1) break
    const part = body.subarray(start, next - 2) // without the CRLF before the next delimiter
    const split = part.indexOf('\r\n\r\n')
    if (split !== -1 && /filename=/.test(part.subarray(0, split).toString('latin1'))) files.push(part.subarray(split + 4))
    at = next
  }
  return files
}

/** @returns {Promise<import('./net-server.d.mts').NetServer>} */
export async function startNetServer() {
  const sockets = new Set()
  const answers = new Map()
  let port = 0

  /** @type {import('./net-server.d.mts').NetServer} */
  const state = {
    url: '',
    received: [],
    committed: new Map(),
    fault: { kind: 'none' },
    stop,
    start,
    close: stop,
  }

  async function handle(request, response) {
    if (request.method === 'OPTIONS') {
      // Preflight: allow the headers asked for (the fixture's requests carry custom ones).
      response.writeHead(204, { ...CORS, 'access-control-allow-headers': request.headers['access-control-request-headers'] ?? CORS['access-control-allow-headers'] })
      return void response.end()
    }
    const chunks = []
    for await (const chunk of request) chunks.push(chunk)
    const body = Buffer.concat(chunks)
    const header = (name) => {
      const value = request.headers[name]
      return Array.isArray(value) ? value.join(', ') : value
    }
    const key = header('idempotency-key')
    const contentType = header('content-type')
    const entry = {
      at: Date.now(),
      method: request.method ?? '',
      path: request.url ?? '',
      key,
      authorization: header('authorization'),
      sender: header('x-sender'),
      contentType,
      size: body.length,
      sha256: sha(body),
      files: contentType?.startsWith('multipart/form-data') ? multipartFiles(body, contentType).map(sha) : [],
      status: 0,
    }
    state.received.push(entry)
    const fault = state.fault
    if (fault.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.ms))
    const reply = (status, text, extra = {}) => {
      entry.status = status
      response.writeHead(status, { ...CORS, 'content-type': 'application/json', 'x-request-count': String(state.received.length), ...extra })
      response.end(text)
    }
    if (fault.kind === 'status' && fault.times > 0) {
      fault.times--
      return reply(fault.status, fault.body ?? JSON.stringify({ error: `fault ${fault.status}` }), fault.retryAfter ? { 'retry-after': fault.retryAfter } : {})
    }
    const first = key ? answers.get(key) : undefined
    if (first) return reply(first.status, first.body, { 'idempotent-replay': 'true' })
    const answer = { status: 201, body: JSON.stringify({ sha256: entry.sha256, size: entry.size, files: entry.files, key: key ?? null }) }
    if (key) {
      answers.set(key, answer)
      state.committed.set(key, (state.committed.get(key) ?? 0) + 1)
    }
    reply(answer.status, answer.body)
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      response.writeHead(500, CORS)
      response.end(String(error))
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  function start() {
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        port = server.address().port
        state.url = `http://127.0.0.1:${port}`
        resolve()
      })
    })
  }
  function stop() {
    return new Promise((resolve) => {
      if (!server.listening) return resolve()
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })
  }

  await start()
  return state
}
