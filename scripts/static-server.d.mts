export declare function startStaticServer(options: { root: string; port?: number; host?: string; headers?: Record<string, string> }): Promise<{ url: string; close(): Promise<void> }>
