export declare const CHUNK_SIZE: number
export declare const HEADER: { readonly size: string; readonly chunkSize: string; readonly chunks: string }
export declare function chunkCount(size: number, chunkSize: number): number
export declare function chunkUrl(uploadId: string, index: number): string
export declare function manifestUrl(uploadId: string): string
export declare const SWITCH_URL: string

/** What the server says about one upload (every upload response has it as `upload`; GET /api/uploads lists them). */
export interface UploadStatus {
  /** The client-minted upload id. */
  uploadId: string
  /** The server-generated name the file is stored under. */
  storedAs: string
  name: string | null
  type: string | null
  size: number
  chunks: number
  received: number
  /** The SHA-256 the client declared (from the manifest), once known. */
  sha256: string | null
  state: 'receiving' | 'verified' | 'corrupt'
  /** The SHA-256 the server computed over the assembled file, once verified or corrupt. */
  serverSha256: string | null
  verifiedAt: number | null
}

/** The manifest body: PUT /api/uploads/:uploadId. */
export interface UploadManifest {
  name: string
  type: string
  size: number
  chunkSize: number
  chunks: number
  sha256: string
}
