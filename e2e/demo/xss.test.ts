// Job data is text, never markup: a file named like an XSS payload travels through job
// payloads, log lines and an error message, and shows as text in the demo's upload list and
// in <errand-dashboard>, under the demo's CSP. (Job names with markup are covered by
// test/browser/dashboard.test.ts: the demo's own job names are its handlers'.)
import { expect, openDemo, test } from './helpers'

const IMG = '<img src=x onerror="window.__xss=1">.txt'
const SCRIPT = '<script>window.__xss=2</script>.txt'

test('file names with markup show as text in the upload list and the dashboard (payload, log, error); no script runs, no element is injected', async ({ page }) => {
  test.setTimeout(60_000)
  await openDemo(page)
  await page.locator('#server-offline').check() // keep the uploads' requests queued; the hash jobs still run
  await page.locator('#files').setInputFiles([
    { name: IMG, mimeType: 'text/plain', buffer: Buffer.from('hello from a file with a hostile name\n') },
    { name: SCRIPT, mimeType: 'text/plain', buffer: Buffer.alloc(0) }, // empty: its hash job fails, quoting the name
  ])
  const uploads = page.locator('li.upload')
  await expect(uploads.filter({ hasText: IMG })).toHaveCount(1)
  await expect(uploads.filter({ hasText: SCRIPT })).toHaveCount(1)

  const dashboard = page.locator('errand-dashboard')
  const hashRows = dashboard.locator('tbody tr').filter({ hasText: 'hash' })
  await expect(hashRows.filter({ hasText: 'completed' })).toHaveCount(1, { timeout: 30_000 })
  await expect(hashRows.filter({ hasText: 'failed' })).toHaveCount(1, { timeout: 30_000 })

  // The completed hash job: the name in its payload and in its log line, as text.
  await hashRows.filter({ hasText: 'completed' }).click()
  const details = dashboard.locator('.logs')
  await expect(details).toContainText(`hashing ${IMG}`)
  await expect(dashboard.locator('pre').first()).toContainText(JSON.stringify(IMG).slice(1, -1))

  // The failed one: the name in its error message, as text.
  await hashRows.filter({ hasText: 'failed' }).click()
  await expect(dashboard.locator('.errors .message')).toHaveText(`"${SCRIPT}" is empty: there is nothing to upload.`)

  await page.waitForTimeout(200) // an onerror would have fired by now
  expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined()
  // Locators pierce open shadow roots: no element came from the data, in the dashboard or the page.
  await expect(dashboard.locator('img, script')).toHaveCount(0)
  await expect(page.locator('li.upload img, li.upload script')).toHaveCount(0)
})
