// Uploads: per file, a CPU job hashes it (and one draws a thumbnail for images), and one
// network job per 4 MiB chunk plus a manifest with the hash send it to the server, which
// assembles and verifies the file once it holds them all, in whatever order they came.
// The view is rebuilt from the queue's stored jobs and the server's list after a reload.
import type { JobState } from 'errand'
import { CHUNK_SIZE, HEADER, chunkCount, chunkUrl, manifestUrl, type UploadManifest, type UploadStatus } from './upload-protocol.mjs'
import { allJobs, byId, el, FINISHED, formatBytes, type DemoJob, type DemoQueue } from './ui'

/** What the page knows of one upload, from its jobs and from the server. */
interface Upload {
  uploadId: string
  name: string
  type: string
  size: number
  chunks: number
  /** The file, as stored in the hash job's payload (survives reloads until the upload is verified). */
  file?: Blob | undefined
  hash?: { id: string; state: JobState; progress: number; sha256?: string; ms?: number } | undefined
  /** Chunk index → its network job. */
  parts: Map<number, Part>
  manifest?: Part | undefined
  thumbnail?: { id: string; blob?: Blob; drawn?: boolean }
  /** The jobs that hold the file's bytes (hash, thumbnail) were removed once the server verified it. */
  released?: boolean
  server?: UploadStatus | undefined
  error?: string | undefined
  row?: HTMLElement
}

/** A chunk or manifest request, as last seen. */
interface Part {
  id: string
  state: JobState
  /** Its last attempt got no response (offline, or the server refused the connection). */
  waiting: boolean
  /** Attempt errors seen: events from the page and the service worker can arrive out of order, and an older snapshot has fewer. */
  errors: number
}

const RETRIES = { attempts: 8, backoff: { type: 'exponential', delay: 1000, maxDelay: 30_000 } } as const
const UPLOAD_PATH = /^\/api\/uploads\/([0-9a-f-]{36})(?:\/chunks\/(\d+))?$/
const THUMBNAIL_SIZE = 96

/** The server's word on an upload, from a request job's result or its failed response. */
function statusOf(job: DemoJob): UploadStatus | undefined {
  if (job.kind !== 'network') return undefined
  const body = job.state === 'completed' ? job.result?.body : job.errors.at(-1)?.response?.body
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { upload?: UploadStatus }).upload
    } catch {
      return undefined
    }
  }
  return (body as { upload?: UploadStatus } | null | undefined)?.upload
}

/** The `{ error }` of a refused request's body (kept on the attempt error as text). */
function serverError(body: unknown): string | undefined {
  try {
    const parsed: unknown = typeof body === 'string' ? JSON.parse(body) : body
    return typeof parsed === 'object' && parsed !== null && 'error' in parsed ? String(parsed.error) : undefined
  } catch {
    return undefined
  }
}

/** Keeps the more final of two server statuses (verified or corrupt beats receiving, more chunks beat fewer). */
function later(a: UploadStatus | undefined, b: UploadStatus | undefined): UploadStatus | undefined {
  if (!a || !b) return a ?? b
  const rank = (s: UploadStatus) => (s.state === 'receiving' ? 0 : 1)
  if (rank(a) !== rank(b)) return rank(a) > rank(b) ? a : b
  return b.received >= a.received ? b : a
}

export function setupUploads(queue: DemoQueue): { refreshServer(): Promise<void> } {
  const uploads = new Map<string, Upload>()
  /** Job id → upload id, for progress events (which carry only the job id). */
  const owners = new Map<string, string>()
  const list = byId<HTMLOListElement>('uploads')

  const uploadFor = (uploadId: string, init: Omit<Upload, 'uploadId' | 'parts'>): Upload => {
    let upload = uploads.get(uploadId)
    if (!upload) {
      upload = { uploadId, parts: new Map(), ...init }
      uploads.set(uploadId, upload)
    }
    return upload
  }

  const phase = (u: Upload): 'verified' | 'corrupt' | 'failed' | 'hashing' | 'uploading' => {
    if (u.server?.state === 'verified') return 'verified'
    if (u.server?.state === 'corrupt') return 'corrupt'
    if (u.error) return 'failed'
    if (!u.server && u.hash && u.hash.state !== 'completed') return 'hashing'
    return 'uploading'
  }

  const render = (u: Upload): void => {
    if (!u.row) {
      u.row = el('li', 'upload')
      u.row.dataset.uploadId = u.uploadId
      const thumb = el('canvas', 'thumb')
      thumb.width = thumb.height = 1
      u.row.append(thumb, el('div', 'what'), el('div', 'hash'), el('div', 'sending'), el('div', 'verdict'))
      list.prepend(u.row)
    }
    const [thumb, what, hash, sending, verdict] = u.row.children as unknown as [HTMLCanvasElement, HTMLElement, HTMLElement, HTMLElement, HTMLElement]
    const state = phase(u)
    u.row.dataset.state = state
    // How many of its requests (chunks and manifest) are in the queue: all of them once this is chunks + 1.
    u.row.dataset.queued = String(u.parts.size + (u.manifest ? 1 : 0))
    what.textContent = `${u.name} · ${formatBytes(u.size)}`
    const sha256 = u.hash?.sha256 ?? u.server?.sha256 ?? undefined
    if (sha256) {
      hash.textContent = `SHA-256 ${sha256}${u.hash?.ms !== undefined ? ` (${u.hash.ms} ms in a worker)` : ''}`
      u.row.dataset.sha256 = sha256
    } else {
      hash.replaceChildren(el('span', '', 'hashing '), Object.assign(el('progress'), { max: 1, value: u.hash?.progress ?? 0 }))
    }
    const done = state === 'verified' ? u.chunks : Math.max(u.server?.received ?? 0, [...u.parts.values()].filter((p) => p.state === 'completed').length)
    const waiting = [...u.parts.values(), ...(u.manifest ? [u.manifest] : [])].some((p) => p.waiting && p.state === 'queued')
    sending.replaceChildren(
      el('span', '', `${done}/${u.chunks} chunks sent `),
      Object.assign(el('progress'), { max: Math.max(1, u.chunks), value: done }),
      el('span', 'note', waiting && state === 'uploading' ? ' waiting for the network or the server' : ''),
    )
    verdict.textContent =
      state === 'verified'
        ? `verified by the server: SHA-256 ${u.server?.serverSha256}, stored as ${u.server?.storedAs}`
        : state === 'corrupt'
          ? `rejected: the server computed ${u.server?.serverSha256}`
          : state === 'failed'
            ? `failed: ${u.error}`
            : ''
    if (u.thumbnail?.blob && !u.thumbnail.drawn) {
      u.thumbnail.drawn = true
      void createImageBitmap(u.thumbnail.blob).then((bitmap) => {
        thumb.width = bitmap.width
        thumb.height = bitmap.height
        // A canvas, not <img src="blob:…">: the CSP's default-src 'self' allows no blob: images.
        thumb.getContext('bitmaprenderer')?.transferFromImageBitmap(bitmap)
      })
    }
  }

  /** Updates the view from one job snapshot. */
  const apply = (job: DemoJob): Upload | undefined => {
    let upload: Upload | undefined
    if (job.name === 'hash') {
      const p = job.payload
      upload = uploadFor(p.uploadId, { name: p.name, type: p.type, size: p.size, chunks: chunkCount(p.size, p.chunkSize) })
      // Its thumbnail job may have come first (a completion replayed after a reload, before the stored jobs were read): it knows no name.
      upload.name = p.name
      upload.file ??= p.file
      upload.hash = { id: job.id, state: job.state, progress: job.state === 'completed' ? 1 : job.progress, ...(job.result ? { sha256: job.result.sha256, ms: job.result.ms } : {}) }
      if (job.state === 'failed') upload.error = `hashing failed: ${job.errors.at(-1)?.message}`
    } else if (job.name === 'thumbnail') {
      const p = job.payload
      upload = uploadFor(p.uploadId, { name: p.uploadId, type: p.file.type, size: p.file.size, chunks: chunkCount(p.file.size, CHUNK_SIZE) })
      upload.thumbnail ??= { id: job.id }
      if (job.result) upload.thumbnail.blob ??= job.result.blob
    } else if (job.kind === 'network') {
      const match = UPLOAD_PATH.exec(new URL(job.payload.url).pathname)
      if (!match) return undefined
      upload = uploads.get(match[1]!)
      if (!upload) return undefined // its hash job was removed: the server's list has it
      const known = match[2] === undefined ? upload.manifest : upload.parts.get(Number(match[2]))
      if (known && known.id === job.id && !FINISHED.has(job.state) && job.errors.length < known.errors) return upload
      const entry: Part = { id: job.id, state: job.state, waiting: job.errors.at(-1)?.code === 'NETWORK', errors: job.errors.length }
      if (match[2] === undefined) upload.manifest = entry
      else upload.parts.set(Number(match[2]), entry)
      upload.server = later(upload.server, statusOf(job))
      if (job.state === 'failed' && upload.server?.state !== 'corrupt') {
        const last = job.errors.at(-1)
        upload.error = last?.response ? `HTTP ${last.response.status}: ${serverError(last.response.body) ?? last.message}` : `${last?.name}: ${last?.message}`
      }
    }
    if (upload) {
      owners.set(job.id, upload.uploadId)
      render(upload)
      void settle(upload)
    }
    return upload
  }

  /**
   * Makes sure every job the upload needs exists: a chunk job per chunk, and the manifest
   * once the hash is known; after a crash or a closed tab mid-enqueue this fills the gaps.
   * Once the server verified the file, the jobs that hold the file's bytes in IndexedDB (hash
   * and thumbnail: their payload is the File) are removed; the request jobs stay, completed,
   * for the dashboard (errand dropped their bodies when they completed, and retention prunes
   * them). The server's list keeps the verdict.
   */
  const settling = new Map<string, Promise<void>>()
  const settle = (upload: Upload): Promise<void> => {
    const next = (settling.get(upload.uploadId) ?? Promise.resolve()).then(() => settleNow(upload)).catch((error: unknown) => {
      upload.error = String(error)
      render(upload)
    })
    settling.set(upload.uploadId, next)
    return next
  }
  const settleNow = async (u: Upload): Promise<void> => {
    if (u.server?.state === 'verified' || u.server?.state === 'corrupt') {
      if (u.released) return
      u.released = true
      const ids = [u.hash?.id, u.thumbnail?.id].filter((id): id is string => id !== undefined)
      u.hash = undefined
      u.file = undefined
      await Promise.all(ids.map((id) => queue.remove(id)))
      render(u)
      return
    }
    if (!u.file || u.error) return
    const headers = { 'content-type': 'application/octet-stream', [HEADER.size]: String(u.size), [HEADER.chunkSize]: String(CHUNK_SIZE), [HEADER.chunks]: String(u.chunks) }
    for (let index = 0; index < u.chunks; index++) {
      if (u.parts.has(index)) continue
      const body = u.file.slice(index * CHUNK_SIZE, Math.min(u.size, (index + 1) * CHUNK_SIZE))
      const job = await queue.request(chunkUrl(u.uploadId, index), { method: 'PUT', headers, body }, { ...RETRIES, key: `chunk:${u.uploadId}:${index}`, responseType: 'json' })
      if (!u.parts.has(index)) u.parts.set(index, { id: job.id, state: 'queued', waiting: false, errors: 0 })
      owners.set(job.id, u.uploadId)
      render(u)
    }
    const sha256 = u.hash?.sha256
    if (sha256 && !u.manifest) {
      const manifest: UploadManifest = { name: u.name, type: u.type, size: u.size, chunkSize: CHUNK_SIZE, chunks: u.chunks, sha256 }
      const job = await queue.request(manifestUrl(u.uploadId), { method: 'PUT', body: { ...manifest } }, { ...RETRIES, key: `manifest:${u.uploadId}`, responseType: 'json' })
      u.manifest ??= { id: job.id, state: 'queued', waiting: false, errors: 0 }
      owners.set(job.id, u.uploadId)
      render(u)
    }
  }

  const addFiles = async (files: Iterable<File>): Promise<void> => {
    for (const file of files) {
      const uploadId = crypto.randomUUID()
      const payload = { uploadId, file, name: file.name, type: file.type, size: file.size, chunkSize: CHUNK_SIZE }
      // The hash job stores the file itself (IndexedDB keeps Blobs): chunks can be cut from it again after a reload.
      apply(await queue.add('hash', payload, { key: `hash:${uploadId}`, attempts: 3 }).then((job) => job.get() as Promise<DemoJob>))
      if (file.type.startsWith('image/')) await queue.add('thumbnail', { uploadId, file, size: THUMBNAIL_SIZE }, { key: `thumbnail:${uploadId}`, attempts: 1 })
    }
  }

  const refreshServer = async (): Promise<void> => {
    let statuses: UploadStatus[]
    try {
      const response = await fetch('/api/uploads', { cache: 'no-store' })
      if (!response.ok) return
      statuses = ((await response.json()) as { uploads: UploadStatus[] }).uploads
    } catch {
      return // the server is offline: the jobs still tell most of the story
    }
    for (const status of statuses) {
      const upload = uploadFor(status.uploadId, { name: status.name ?? status.uploadId, type: status.type ?? '', size: status.size, chunks: status.chunks })
      if (upload.name === upload.uploadId && status.name) upload.name = status.name
      upload.server = later(upload.server, status)
      render(upload)
      void settle(upload)
    }
  }

  for (const type of ['added', 'started', 'retrying', 'completed', 'failed', 'cancelled'] as const) queue.on(type, ({ job }) => void apply(job))
  queue.on('progress', ({ jobId, progress }) => {
    const upload = uploads.get(owners.get(jobId) ?? '')
    if (upload?.hash?.id === jobId) {
      upload.hash.progress = progress
      render(upload)
    }
  })

  const input = byId<HTMLInputElement>('files')
  input.addEventListener('change', () => {
    void addFiles([...(input.files ?? [])]).finally(() => (input.value = ''))
  })
  const drop = byId('drop')
  drop.addEventListener('dragover', (event) => {
    event.preventDefault()
    drop.classList.add('over')
  })
  drop.addEventListener('dragleave', () => drop.classList.remove('over'))
  drop.addEventListener('drop', (event) => {
    event.preventDefault()
    drop.classList.remove('over')
    void addFiles([...(event.dataTransfer?.files ?? [])])
  })

  // Rebuild the view after a reload: the stored jobs first (hash jobs before the requests that need them), then the server.
  void (async () => {
    const jobs = await allJobs(queue)
    for (const job of jobs) if (job.name === 'hash' || job.name === 'thumbnail') apply(job)
    for (const job of jobs) if (job.kind === 'network') apply(job)
    await refreshServer()
  })()
  return { refreshServer }
}
