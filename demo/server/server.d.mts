import type { UploadStatus } from '../upload-protocol.mjs'

export declare const CSP: string

export interface DemoServerOptions {
  /** The built demo. @default demo/dist */
  root?: string
  /** @default $PORT, else a free port picked at start */
  port?: number
  /** Where uploads are stored. @default $ERRAND_DEMO_UPLOADS, else <os tmpdir>/errand-demo-uploads */
  uploadsDir?: string
  /** @default $ERRAND_DEMO_MAX_FILE, else 1 GiB */
  maxFileBytes?: number
  /** @default $ERRAND_DEMO_MAX_CHUNK, else 8 MiB */
  maxChunkBytes?: number
}

export interface DemoServer {
  url: string
  uploadsDir: string
  /** True while the API refuses service (every /api connection is destroyed unanswered). */
  readonly offline: boolean
  setOffline(offline: boolean): void
  /** What the server holds, as GET /api/uploads lists it. */
  uploads(): UploadStatus[]
  /** The stored file of a verified upload, or undefined. */
  pathOf(uploadId: string): string | undefined
  close(): Promise<void>
}

export declare function startDemoServer(options?: DemoServerOptions): Promise<DemoServer>
