export declare function builtPackageAliases(who: string): { find: RegExp; replacement: string }[]
