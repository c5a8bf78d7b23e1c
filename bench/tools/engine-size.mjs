// How big errand's engine is on its own (bench/tools/engine-entry.ts: scheduler and turn, pool,
// schema, add, lease renewal; none of the public API, events, tab bus or network jobs), bundled
// and measured as scripts/size.mjs measures the package's entries. Not part of the report: it
// says how much of the `errand` entry's size any queue API would start from.
//
//   node bench/tools/engine-size.mjs
import { fileURLToPath } from 'node:url'
import { bundle, measure } from '../../scripts/size.mjs'

const { initial, lazy } = await bundle({ name: 'engine', file: fileURLToPath(new URL('./engine-entry.ts', import.meta.url)) })
if (lazy.length) throw new Error('engine-size: the engine loads chunks lazily; count them by hand.')
const { gzip, minified } = measure(initial)
console.log(`errand's engine alone: ${(gzip / 1000).toFixed(2)} kB min+gzip (${gzip} B), ${(minified / 1000).toFixed(2)} kB minified`)
