export declare const CHROMIUM_ARGS: string[]
export declare const HOW_TO_GET_CHROMIUM: string
export declare function findChromium(): { path: string; source: string } | undefined
export declare function chromiumPath(): string
