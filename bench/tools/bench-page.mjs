// The bench page for the tools in this folder: served from `root` on 127.0.0.1, opened in
// headless Chromium (the project's browser helper) with a fresh on-disk profile, so
// IndexedDB writes to disk as in `npm run bench`.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/chromium.mjs'
import { startStaticServer } from '../../scripts/static-server.mjs'

/**
 * Opens the bench page built in `root` (bench/page/dist unless a tool built its own) once it
 * exposes `window.errandBench`. `close()` closes the browser and the server and deletes the profile.
 */
export async function openBenchPage(root) {
  const server = await startStaticServer({ root })
  const profile = await mkdtemp(join(tmpdir(), 'errand-bench-tool-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true })
  const close = async () => {
    await context.close()
    await server.close()
    await rm(profile, { recursive: true, force: true })
  }
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    await page.goto(`${server.url}/`)
    await page.waitForFunction(() => 'errandBench' in window)
    return { page, context, close }
  } catch (error) {
    await close()
    throw error
  }
}
