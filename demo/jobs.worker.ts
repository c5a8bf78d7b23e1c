// The demo's handlers, run in errand's worker pool: hashing and thumbnails for uploads,
// and exports streamed to a file in the origin private file system (OPFS).
import { defineJobs, serveJobs, UnrecoverableError } from 'errand/worker'
import { EXPORT_DIR, exportFileName, header, line, type ExportFormat } from './dataset'
import { createSha256, toHex } from './sha256'

/** Bytes read from the file per step of the hash job: progress and cancel are checked this often. */
const HASH_SLICE = 4 * 1024 * 1024
/** Rows turned into text at once by the export job. */
const EXPORT_BATCH = 4096
/** The one buffer the export encodes into; the file is written from it and nothing else is kept. */
const EXPORT_BUFFER = 1024 * 1024
/** The export job lets messages in (a cancel) at least this often. */
const YIELD_MS = 20
/** The OPFS sync access handle (dedicated workers only; the DOM library this file is also checked against lacks it). */
interface SyncAccessHandle {
  write(data: Uint8Array, options: { at: number }): number
  truncate(size: number): void
  flush(): void
  close(): void
}
type SyncFileHandle = FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncAccessHandle> }

/** One file of an upload, as the page stores it in the hash job (the file itself included, so it survives reloads). */
export interface UploadFile {
  uploadId: string
  file: Blob
  name: string
  type: string
  size: number
  chunkSize: number
}

const yieldToEvents = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

export const jobs = defineJobs({
  /**
   * SHA-256 of a file, read slice by slice: never more than one slice in memory, whatever
   * the file's size (WebCrypto's digest() wants the whole input at once).
   */
  async hash(input: UploadFile, ctx) {
    const started = performance.now()
    const hash = createSha256()
    const size = input.file.size
    // Nothing to send: fail at once, no retries (the name is shown as text wherever it appears).
    if (size === 0) throw new UnrecoverableError(`"${input.name}" is empty: there is nothing to upload.`)
    ctx.log('hashing', input.name, `(${size} bytes)`)
    for (let at = 0; at < size; at += HASH_SLICE) {
      ctx.signal.throwIfAborted()
      hash.update(new Uint8Array(await input.file.slice(at, Math.min(size, at + HASH_SLICE)).arrayBuffer()))
      ctx.progress(Math.min(size, at + HASH_SLICE) / size)
    }
    const sha256 = toHex(hash.digest())
    ctx.log('sha256', sha256, 'of', size, 'bytes')
    return { uploadId: input.uploadId, sha256, size, ms: Math.round(performance.now() - started) }
  },

  /** A small WebP preview of an image, drawn on an OffscreenCanvas. */
  async thumbnail(input: { uploadId: string; file: Blob; size: number }, ctx) {
    let bitmap: ImageBitmap
    try {
      bitmap = await createImageBitmap(input.file)
    } catch (error) {
      throw new UnrecoverableError(`Not an image this browser can decode (${input.file.type || 'unknown type'}): ${String(error)}`)
    }
    ctx.progress(0.5)
    const scale = Math.min(1, input.size / Math.max(bitmap.width, bitmap.height))
    const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)))
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
    bitmap.close()
    ctx.signal.throwIfAborted()
    return { uploadId: input.uploadId, blob: await canvas.convertToBlob({ type: 'image/webp' }), width: canvas.width, height: canvas.height }
  },

  /**
   * Writes `rows` rows of the synthetic dataset to an OPFS file through a sync access handle,
   * batch by batch through one fixed buffer: memory stays flat however many rows. On cancel
   * (or timeout) it deletes its partial file before giving up.
   */
  async export(input: { rows: number; format: ExportFormat }, ctx) {
    if (!Number.isInteger(input.rows) || input.rows < 1 || input.rows > 10_000_000) throw new UnrecoverableError(`rows must be an integer from 1 to 10,000,000, got ${input.rows}`)
    if (input.format !== 'csv' && input.format !== 'ndjson') throw new UnrecoverableError(`Unknown format ${String(input.format)}`)
    const started = performance.now()
    const name = exportFileName(ctx.jobId, input.format)
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(EXPORT_DIR, { create: true })
    const handle = await ((await dir.getFileHandle(name, { create: true })) as SyncFileHandle).createSyncAccessHandle()
    const buffer = new Uint8Array(EXPORT_BUFFER)
    const encoder = new TextEncoder()
    let bytes = 0
    /** Encodes `text` into the buffer and writes it, in as many buffer-fulls as it takes. */
    const write = (text: string): void => {
      let rest = text
      while (rest.length > 0) {
        const { read, written } = encoder.encodeInto(rest, buffer)
        bytes += handle.write(buffer.subarray(0, written), { at: bytes })
        rest = rest.slice(read)
      }
    }
    try {
      handle.truncate(0) // a re-run (at least once) starts its file over
      const first = header(input.format)
      if (first !== undefined) write(`${first}\n`)
      let lastYield = performance.now()
      for (let from = 0; from < input.rows; from += EXPORT_BATCH) {
        const to = Math.min(input.rows, from + EXPORT_BATCH)
        let text = ''
        for (let i = from; i < to; i++) text += `${line(i, input.format)}\n`
        write(text)
        ctx.progress(to / input.rows)
        if (performance.now() - lastYield > YIELD_MS) {
          await yieldToEvents() // a cancel arrives as a message: let it in
          lastYield = performance.now()
        }
        ctx.signal.throwIfAborted()
      }
      handle.flush()
      handle.close()
    } catch (error) {
      handle.close()
      await dir.removeEntry(name).catch(() => {}) // no partial file is ever left for a download link
      throw error
    }
    const ms = Math.round(performance.now() - started)
    ctx.log('wrote', input.rows, 'rows,', bytes, 'bytes in', ms, 'ms')
    return { file: name, format: input.format, rows: input.rows, bytes, ms, bufferBytes: EXPORT_BUFFER }
  },
})

serveJobs(jobs)
export type Jobs = typeof jobs
