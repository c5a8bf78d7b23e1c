// The demo server's upload API on its own (Node's fetch, no browser): limits, malformed
// requests, Idempotency-Key, server-generated names, the CSP and the offline switch.
import { createHash, randomUUID } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from './helpers'

const MIB = 1024 * 1024
const CSP = "default-src 'self'; script-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'"
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

interface Sent {
  status: number
  body: { error?: string; upload?: { state: string; received: number; storedAs: string; serverSha256: string | null } }
  headers: Headers
}

async function send(url: string, init: RequestInit = {}): Promise<Sent> {
  const response = await fetch(url, init)
  expect(response.headers.get('content-security-policy')).toBe(CSP)
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers }
}

const chunkHeaders = (size: number, chunkSize: number, extra: Record<string, string> = {}) => ({
  'content-type': 'application/octet-stream',
  'x-upload-size': String(size),
  'x-upload-chunk-size': String(chunkSize),
  'x-upload-chunks': String(Math.ceil(size / chunkSize)),
  ...extra,
})

test('oversize requests get 413 with a JSON error', async ({ demo }) => {
  const id = randomUUID()
  const tooBig = await send(`${demo.url}/api/uploads/${id}/chunks/0`, { method: 'PUT', headers: chunkHeaders(2 * 1024 * MIB, 4 * MIB), body: Buffer.alloc(16) })
  expect(tooBig).toMatchObject({ status: 413, body: { error: expect.stringMatching(/at most 1073741824 bytes/) } })
  const bigChunk = await send(`${demo.url}/api/uploads/${id}/chunks/0`, { method: 'PUT', headers: chunkHeaders(20 * MIB, 9 * MIB), body: Buffer.alloc(9 * MIB) })
  expect(bigChunk).toMatchObject({ status: 413, body: { error: expect.stringMatching(/chunk size/) } })
  const bigManifest = await send(`${demo.url}/api/uploads/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(20_000) }) })
  expect(bigManifest).toMatchObject({ status: 413, body: { error: expect.any(String) } })
  expect(demo.uploads().every((u) => u.received === 0)).toBe(true)
})

test('malformed requests get 4xx with a JSON error, and store nothing', async ({ demo }) => {
  const id = randomUUID()
  const chunk = `${demo.url}/api/uploads/${id}/chunks/0`
  const manifest = `${demo.url}/api/uploads/${id}`
  const json = { 'content-type': 'application/json' }
  const good = { name: 'a.txt', type: 'text/plain', size: 10, chunkSize: 4 * MIB, chunks: 1, sha256: 'a'.repeat(64) }
  const cases: [string, Promise<Sent>, number][] = [
    ['upload id not a UUID', send(`${demo.url}/api/uploads/not-a-uuid/chunks/0`, { method: 'PUT', headers: chunkHeaders(10, 4 * MIB), body: Buffer.alloc(10) }), 400],
    ['chunk index not a number', send(`${demo.url}/api/uploads/${id}/chunks/x`, { method: 'PUT', headers: chunkHeaders(10, 4 * MIB), body: Buffer.alloc(10) }), 400],
    ['chunk index past the last chunk', send(`${demo.url}/api/uploads/${id}/chunks/3`, { method: 'PUT', headers: chunkHeaders(10, 4 * MIB), body: Buffer.alloc(10) }), 400],
    ['no size headers', send(chunk, { method: 'PUT', body: Buffer.alloc(10) }), 400],
    ['chunk count that does not add up', send(chunk, { method: 'PUT', headers: { ...chunkHeaders(10, 4 * MIB), 'x-upload-chunks': '2' }, body: Buffer.alloc(10) }), 400],
    ['chunk shorter than declared', send(chunk, { method: 'PUT', headers: chunkHeaders(10, 4 * MIB), body: Buffer.alloc(9) }), 400],
    ['manifest not JSON', send(manifest, { method: 'PUT', headers: json, body: '{"name":' }), 400],
    ['manifest not application/json', send(manifest, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(good) }), 415],
    ['manifest without a valid sha256', send(manifest, { method: 'PUT', headers: json, body: JSON.stringify({ ...good, sha256: 'xyz' }) }), 400],
    ['manifest with a negative size', send(manifest, { method: 'PUT', headers: json, body: JSON.stringify({ ...good, size: -1 }) }), 400],
    ['unknown route', send(`${demo.url}/api/nothing-here`), 404],
    ['wrong method', send(`${demo.url}/api/uploads`, { method: 'DELETE' }), 405],
  ]
  for (const [what, answer, status] of cases) {
    const { status: got, body, headers } = await answer
    expect(got, what).toBe(status)
    expect(headers.get('content-type'), what).toMatch(/^application\/json/)
    expect(body.error, what).toEqual(expect.any(String))
  }
  expect(demo.uploads().every((u) => u.received === 0 && u.state === 'receiving')).toBe(true)
  expect(await readdir(join(demo.uploadsDir, 'parts'))).toEqual([])
})

test('a repeated Idempotency-Key gets the first answer and stores nothing twice; a repeated chunk under a new key is not stored again', async ({ demo }) => {
  const id = randomUUID()
  const data = Buffer.from('0123456789abcdefghij') // 20 bytes in chunks of 8: 8 + 8 + 4
  const headers = (key: string) => chunkHeaders(data.length, 8, { 'idempotency-key': key })
  const put = (index: number, key: string) => send(`${demo.url}/api/uploads/${id}/chunks/${index}`, { method: 'PUT', headers: headers(key), body: data.subarray(index * 8, index * 8 + 8) })

  const first = await put(0, 'key-0')
  expect(first).toMatchObject({ status: 201, body: { upload: { received: 1, state: 'receiving' } } })
  const again = await put(0, 'key-0')
  expect(again.status).toBe(201)
  expect(again.body).toEqual(first.body)
  expect(again.headers.get('idempotent-replayed')).toBe('true')
  const newKey = await put(0, 'key-0-bis')
  expect(newKey).toMatchObject({ status: 200, body: { upload: { received: 1 } } })
  // The same key for another request is refused.
  expect(await put(1, 'key-0')).toMatchObject({ status: 422, body: { error: expect.stringMatching(/first used for/) } })
  expect((await readdir(join(demo.uploadsDir, 'parts'))).filter((name) => !name.endsWith('.tmp'))).toHaveLength(1)

  await put(1, 'key-1')
  const manifest = { name: 'abc.txt', type: 'text/plain', size: data.length, chunkSize: 8, chunks: 3, sha256: sha256(data) }
  const manifestInit = { method: 'PUT', headers: { 'content-type': 'application/json', 'idempotency-key': 'manifest' }, body: JSON.stringify(manifest) }
  expect(await send(`${demo.url}/api/uploads/${id}`, manifestInit)).toMatchObject({ status: 201, body: { upload: { state: 'receiving', received: 2 } } })
  const last = await put(2, 'key-2')
  expect(last).toMatchObject({ status: 201, body: { upload: { state: 'verified', received: 3, serverSha256: sha256(data) } } })
  // Every repeat after completion: the first answers, and still one stored file.
  expect(await put(2, 'key-2')).toEqual({ ...last, headers: expect.anything() })
  expect(await send(`${demo.url}/api/uploads/${id}`, manifestInit)).toMatchObject({ status: 201, body: { upload: { state: 'receiving' } } })
  expect(await readdir(join(demo.uploadsDir, 'files'))).toEqual([last.body.upload!.storedAs])
  expect(await readFile(demo.pathOf(id)!)).toEqual(data)
  expect(demo.uploads()).toHaveLength(1)
})

test('a path-traversal file name is only data: the file is stored under a name the server generated', async ({ demo }) => {
  const data = Buffer.from('not a password file')
  for (const name of ['../../../../etc/passwd', '..\\..\\evil.exe', '/tmp/absolute.txt']) {
    const id = randomUUID()
    await send(`${demo.url}/api/uploads/${id}/chunks/0`, { method: 'PUT', headers: chunkHeaders(data.length, 4 * MIB), body: data })
    const answer = await send(`${demo.url}/api/uploads/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, type: 'text/plain', size: data.length, chunkSize: 4 * MIB, chunks: 1, sha256: sha256(data) }),
    })
    expect(answer).toMatchObject({ status: 201, body: { upload: { state: 'verified', storedAs: expect.stringMatching(/^[0-9a-f]{32}$/) } } })
    expect(demo.pathOf(id)).toBe(join(demo.uploadsDir, 'files', answer.body.upload!.storedAs))
  }
  const stored = await readdir(join(demo.uploadsDir, 'files'))
  expect(stored).toHaveLength(3)
  expect(stored.every((name) => /^[0-9a-f]{32}$/.test(name))).toBe(true)
  expect(demo.uploads().map((u) => u.name).sort()).toEqual(['../../../../etc/passwd', '..\\..\\evil.exe', '/tmp/absolute.txt'].sort())
  // A traversal in the URL never reaches the file system either.
  expect((await send(`${demo.url}/api/uploads/..%2F..%2Fetc/chunks/0`, { method: 'PUT', headers: chunkHeaders(4, 4 * MIB), body: 'abcd' })).status).toBe(400)
})

test('the offline switch destroys every /api connection unanswered, while the page and the switch still answer', async ({ demo }) => {
  expect(await send(`${demo.url}/demo-server/offline`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"offline":true}' })).toMatchObject({ status: 200, body: { offline: true } })
  await expect(fetch(`${demo.url}/api/uploads`)).rejects.toThrow(/fetch failed/)
  const page = await fetch(`${demo.url}/`)
  expect(page.status).toBe(200)
  expect(page.headers.get('content-security-policy')).toBe(CSP)
  demo.setOffline(false)
  expect(await send(`${demo.url}/api/uploads`)).toMatchObject({ status: 200, body: { uploads: [] } })
})
