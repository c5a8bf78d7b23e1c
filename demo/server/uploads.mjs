// The demo's upload API: chunks and a manifest arrive in any order, each as its own
// request (each one a network job in the page), and the server assembles and verifies the
// file as soon as it holds the manifest and every chunk, whichever came last.
//
//   PUT /api/uploads/:uploadId/chunks/:index   body: the chunk's bytes; headers x-upload-size,
//                                              x-upload-chunk-size, x-upload-chunks
//   PUT /api/uploads/:uploadId                 body: JSON { name, type, size, chunkSize, chunks, sha256 }
//   GET /api/uploads                           { uploads: UploadStatus[] }
//
// Every answer is JSON: `{ upload }` on success, `{ error }` with a 4xx for a request that
// is malformed, too large or contradicts what the server already holds. Files are stored
// under names the server generates; the client's file name is only ever data.
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { HEADER, chunkCount } from '../upload-protocol.mjs'
import { createIdempotency } from './idempotency.mjs'

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const SHA256 = /^[0-9a-f]{64}$/
const MAX_MANIFEST_BYTES = 16 * 1024
const MAX_NAME = 255

/** An answer with a 4xx status, thrown from deep inside a handler. */
class Refusal extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

/** @param {string | string[] | undefined} value @param {string} name @param {number} max */
function integerHeader(value, name, max) {
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value)) throw new Refusal(400, `Header ${name} must be a non-negative integer, got ${JSON.stringify(value ?? null)}.`)
  const number = Number(value)
  if (number > max) throw new Refusal(413, `Header ${name} is ${number}; at most ${max} is accepted.`)
  return number
}

/** Reads a small body, refusing it past `max` bytes. @returns {Promise<Buffer>} */
async function smallBody(request, max) {
  const chunks = []
  let size = 0
  for await (const chunk of request) {
    size += chunk.length
    if (size > max) throw new Refusal(413, `Body larger than ${max} bytes.`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/**
 * @param {{ dir: string, maxFileBytes: number, maxChunkBytes: number }} options
 */
export async function createUploads({ dir, maxFileBytes, maxChunkBytes }) {
  const parts = join(dir, 'parts')
  const files = join(dir, 'files')
  const meta = join(dir, 'meta')
  await Promise.all([mkdir(parts, { recursive: true }), mkdir(files, { recursive: true }), mkdir(meta, { recursive: true })])
  const idempotency = createIdempotency()

  /**
   * @typedef {{ uploadId: string, storedAs: string, name: string | null, type: string | null, size: number, chunkSize: number,
   *   chunks: number, received: Set<number>, sha256: string | null, state: 'receiving' | 'verified' | 'corrupt',
   *   serverSha256: string | null, verifiedAt: number | null, createdAt: number }} Upload
   * @type {Map<string, Upload>}
   */
  const uploads = new Map()
  // What an earlier run of the server received survives a restart.
  for (const entry of await readdir(meta)) {
    if (!entry.endsWith('.json')) continue
    try {
      const saved = JSON.parse(await readFile(join(meta, entry), 'utf8'))
      uploads.set(saved.uploadId, { ...saved, received: new Set(saved.received) })
    } catch (error) {
      console.warn(`errand demo: skipping unreadable upload state ${entry}: ${error}`)
    }
  }
  const save = (upload) => {
    const file = join(meta, `${upload.storedAs}.json`)
    const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`
    return writeFile(temporary, JSON.stringify({ ...upload, received: [...upload.received] })).then(() => rename(temporary, file))
  }

  /** One operation at a time per upload: two last requests arriving together assemble once. */
  const queues = new Map()
  const serial = (uploadId, work) => {
    const previous = queues.get(uploadId) ?? Promise.resolve()
    const next = previous.then(work, work)
    queues.set(uploadId, next.catch(() => {}))
    return next
  }

  /** @param {Upload} upload @returns {import('../upload-protocol.mjs').UploadStatus} */
  const status = (upload) => ({
    uploadId: upload.uploadId,
    storedAs: upload.storedAs,
    name: upload.name,
    type: upload.type,
    size: upload.size,
    chunks: upload.chunks,
    received: upload.received.size,
    sha256: upload.sha256,
    state: upload.state,
    serverSha256: upload.serverSha256,
    verifiedAt: upload.verifiedAt,
  })

  /** The upload `uploadId` declared with this shape: created on first sight, refused (409) if it contradicts. */
  const declared = (uploadId, size, chunkSize, chunks) => {
    const known = uploads.get(uploadId)
    if (known) {
      if (known.size !== size || known.chunkSize !== chunkSize || known.chunks !== chunks) {
        throw new Refusal(409, `Upload ${uploadId} was declared with size ${known.size}, chunk size ${known.chunkSize}, ${known.chunks} chunks; this request says ${size}, ${chunkSize}, ${chunks}.`)
      }
      return known
    }
    /** @type {Upload} */
    const upload = {
      uploadId,
      storedAs: randomBytes(16).toString('hex'),
      name: null,
      type: null,
      size,
      chunkSize,
      chunks,
      received: new Set(),
      sha256: null,
      state: 'receiving',
      serverSha256: null,
      verifiedAt: null,
      createdAt: Date.now(),
    }
    uploads.set(uploadId, upload)
    return upload
  }

  const shape = (size, chunkSize, chunks) => {
    if (size > maxFileBytes) throw new Refusal(413, `The file is ${size} bytes; files of at most ${maxFileBytes} bytes are accepted.`)
    if (chunkSize < 1) throw new Refusal(400, 'The chunk size must be at least 1 byte.')
    if (chunkSize > maxChunkBytes) throw new Refusal(413, `The chunk size is ${chunkSize} bytes; at most ${maxChunkBytes} is accepted.`)
    if (chunks !== chunkCount(size, chunkSize)) throw new Refusal(400, `A file of ${size} bytes in chunks of ${chunkSize} has ${chunkCount(size, chunkSize)} chunks, not ${chunks}.`)
  }

  /** Concatenates the chunks while hashing them; verified if the hash is the declared one. */
  const assemble = async (upload) => {
    const target = join(files, upload.storedAs)
    const hash = createHash('sha256')
    const out = createWriteStream(target)
    const failed = new Promise((_, reject) => out.once('error', reject))
    failed.catch(() => {}) // raced below; never left unhandled
    for (let index = 0; index < upload.chunks; index++) {
      for await (const chunk of createReadStream(join(parts, `${upload.storedAs}.${index}`))) {
        hash.update(chunk)
        if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed])
      }
    }
    await Promise.race([new Promise((resolve) => out.end(resolve)), failed])
    upload.serverSha256 = hash.digest('hex')
    upload.verifiedAt = Date.now()
    upload.state = upload.serverSha256 === upload.sha256 ? 'verified' : 'corrupt'
    if (upload.state === 'corrupt') await rm(target, { force: true })
    await Promise.all(Array.from({ length: upload.chunks }, (_, index) => rm(join(parts, `${upload.storedAs}.${index}`), { force: true })))
    await save(upload)
  }

  /** After a chunk or the manifest: assembles when everything is there, and answers. */
  const settle = async (upload, created) => {
    if (upload.state === 'receiving' && upload.sha256 !== null && upload.received.size === upload.chunks) await assemble(upload)
    else await save(upload)
    if (upload.state === 'corrupt') {
      return { status: 422, body: { error: `The assembled file's SHA-256 is ${upload.serverSha256}, not the declared ${upload.sha256}: the upload is corrupt and was discarded.`, upload: status(upload) } }
    }
    return { status: created ? 201 : 200, body: { upload: status(upload) } }
  }

  const putChunk = async (request, uploadId, index) => {
    const size = integerHeader(request.headers[HEADER.size], HEADER.size, Number.MAX_SAFE_INTEGER)
    const chunkSize = integerHeader(request.headers[HEADER.chunkSize], HEADER.chunkSize, Number.MAX_SAFE_INTEGER)
    const chunks = integerHeader(request.headers[HEADER.chunks], HEADER.chunks, Number.MAX_SAFE_INTEGER)
    shape(size, chunkSize, chunks)
    if (index >= chunks) throw new Refusal(400, `Chunk ${index} does not exist: the file has ${chunks} chunks (0 to ${chunks - 1}).`)
    const expected = index === chunks - 1 ? size - index * chunkSize : chunkSize
    const declaredLength = request.headers['content-length']
    if (declaredLength !== undefined && Number(declaredLength) !== expected) {
      throw new Refusal(Number(declaredLength) > maxChunkBytes ? 413 : 400, `Chunk ${index} must be ${expected} bytes, the request says ${declaredLength}.`)
    }
    const upload = await serial(uploadId, async () => declared(uploadId, size, chunkSize, chunks))
    if (upload.state === 'corrupt') throw new Refusal(409, `Upload ${uploadId} failed verification and was discarded; start a new upload.`)
    if (upload.state === 'verified' || upload.received.has(index)) {
      request.resume() // already stored: nothing is stored twice
      return serial(uploadId, () => settle(upload, false))
    }
    // Streamed to a temporary name, counted, and renamed only when complete: a cut connection leaves no chunk behind.
    const final = join(parts, `${upload.storedAs}.${index}`)
    const temporary = `${final}.${randomBytes(4).toString('hex')}.tmp`
    let length = 0
    try {
      await pipeline(
        request,
        async function* (source) {
          for await (const chunk of source) {
            length += chunk.length
            if (length > expected) throw new Refusal(413, `Chunk ${index} must be ${expected} bytes; more arrived.`)
            yield chunk
          }
        },
        createWriteStream(temporary),
      )
      if (length !== expected) throw new Refusal(400, `Chunk ${index} must be ${expected} bytes, ${length} arrived.`)
      await rename(temporary, final)
    } catch (error) {
      await rm(temporary, { force: true })
      throw error
    }
    return serial(uploadId, () => {
      const created = !upload.received.has(index)
      upload.received.add(index)
      return settle(upload, created)
    })
  }

  const putManifest = async (request, uploadId) => {
    const type = request.headers['content-type'] ?? ''
    if (!/^application\/json\b/.test(type)) throw new Refusal(415, `The manifest must be application/json, got ${JSON.stringify(type)}.`)
    let manifest
    try {
      manifest = JSON.parse((await smallBody(request, MAX_MANIFEST_BYTES)).toString('utf8'))
    } catch (error) {
      if (error instanceof Refusal) throw error
      throw new Refusal(400, 'The manifest is not valid JSON.')
    }
    if (typeof manifest !== 'object' || manifest === null) throw new Refusal(400, 'The manifest must be a JSON object.')
    const { name, size, chunkSize, chunks, sha256 } = manifest
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) throw new Refusal(400, `name must be a string of 1 to ${MAX_NAME} characters.`)
    if (typeof manifest.type !== 'string' || manifest.type.length > 127) throw new Refusal(400, 'type must be a string of at most 127 characters.')
    for (const [key, value] of Object.entries({ size, chunkSize, chunks })) {
      if (!Number.isSafeInteger(value) || value < 0) throw new Refusal(400, `${key} must be a non-negative integer, got ${JSON.stringify(value ?? null)}.`)
    }
    if (typeof sha256 !== 'string' || !SHA256.test(sha256)) throw new Refusal(400, 'sha256 must be 64 lowercase hexadecimal characters.')
    shape(size, chunkSize, chunks)
    return serial(uploadId, async () => {
      const upload = declared(uploadId, size, chunkSize, chunks)
      if (upload.sha256 !== null && upload.sha256 !== sha256) throw new Refusal(409, `Upload ${uploadId} was declared with SHA-256 ${upload.sha256}, not ${sha256}.`)
      const created = upload.sha256 === null
      upload.sha256 = sha256
      upload.name = name // data only, never a path
      upload.type = manifest.type
      return settle(upload, created)
    })
  }

  /** The work one API request asks for, as an answer; 4xx refusals become `{ error }`. */
  const route = async (request, path) => {
    try {
      if (path === '/api/uploads') {
        if (request.method !== 'GET') throw new Refusal(405, 'GET /api/uploads lists uploads; send chunks with PUT /api/uploads/:uploadId/chunks/:index.')
        return { status: 200, body: { uploads: [...uploads.values()].sort((a, b) => a.createdAt - b.createdAt).map(status) } }
      }
      const match = /^\/api\/uploads\/([^/]+)(?:\/chunks\/([^/]+))?$/.exec(path)
      if (!match) throw new Refusal(404, `No API route ${path}.`)
      if (request.method !== 'PUT') throw new Refusal(405, `Use PUT for ${path}.`)
      const uploadId = match[1]
      if (!UPLOAD_ID.test(uploadId)) throw new Refusal(400, 'The upload id must be a lowercase UUID (crypto.randomUUID()).')
      if (match[2] === undefined) return await putManifest(request, uploadId)
      if (!/^\d{1,9}$/.test(match[2])) throw new Refusal(400, `The chunk index must be a non-negative integer, got ${JSON.stringify(match[2])}.`)
      return await putChunk(request, uploadId, Number(match[2]))
    } catch (error) {
      if (error instanceof Refusal) return { status: error.status, body: { error: error.message } }
      throw error
    }
  }

  return {
    /** @param {import('node:http').IncomingMessage} request @param {string} path @returns {Promise<{ status: number, body: unknown, replayed: boolean }>} */
    handle(request, path) {
      const key = request.headers['idempotency-key']
      // GET is safe by itself; only writes are remembered by key.
      if (request.method === 'GET' || typeof key !== 'string') return route(request, path).then((answer) => ({ ...answer, replayed: false }))
      return idempotency.run(key, `${request.method} ${path}`, () => route(request, path)).then((answer) => {
        if (answer.replayed) request.resume() // the body of a repeat is not read, let alone stored
        return answer
      })
    },
    list: () => [...uploads.values()].map(status),
    /** The stored file of a verified upload. */
    pathOf: (uploadId) => {
      const upload = uploads.get(uploadId)
      return upload?.state === 'verified' ? join(files, upload.storedAs) : undefined
    },
  }
}
