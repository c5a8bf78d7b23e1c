// Uploads end to end: files picked in the demo page are hashed in workers, queued as chunk
// requests while the demo server refuses the API, survive a reload, and reach the server
// through the service worker once it is back, which assembles and verifies them.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, openDemo, test } from './helpers'

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/** A 24-bit BMP (uncompressed: easy to write by hand, and every browser decodes it). */
function bmp(width: number, height: number): Buffer {
  const rowSize = Math.ceil((width * 3) / 4) * 4
  const data = Buffer.alloc(54 + rowSize * height)
  data.write('BM', 0, 'latin1')
  data.writeUInt32LE(data.length, 2)
  data.writeUInt32LE(54, 10)
  data.writeUInt32LE(40, 14)
  data.writeInt32LE(width, 18)
  data.writeInt32LE(height, 22)
  data.writeUInt16LE(1, 26)
  data.writeUInt16LE(24, 28)
  data.writeUInt32LE(rowSize * height, 34)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([(x * 4) & 0xff, (y * 5) & 0xff, 200], 54 + y * rowSize + x * 3)
  }
  return data
}

test('3 files (one of 50 MB) picked while the server is offline, the page reloaded, the server back: all 3 stored with matching SHA-256 and shown verified', async ({ page, demo }) => {
  test.setTimeout(120_000)
  const dir = await mkdtemp(join(tmpdir(), 'errand-demo-files-'))
  try {
    const files = [
      { name: 'big.bin', data: randomBytes(50 * 1024 * 1024) },
      { name: 'picture.bmp', data: bmp(64, 48) },
      { name: 'notes.txt', data: Buffer.from('errand demo notes\n'.repeat(1000)) },
    ]
    for (const file of files) await writeFile(join(dir, file.name), file.data)
    const expected = new Map(files.map((file) => [file.name, sha256(file.data)]))

    await openDemo(page)
    await page.locator('#server-offline').check()
    await expect(page.locator('#server-state')).toHaveAttribute('data-offline', 'true')
    expect(demo.offline).toBe(true)

    await page.locator('#files').setInputFiles(files.map((file) => join(dir, file.name)))
    const rows = page.locator('li.upload')
    await expect(rows).toHaveCount(3)
    // Every file hashed in a worker, and every one of its requests (13 + 1 + 1 chunks, 3 manifests) in the queue.
    for (const file of files) {
      const row = rows.filter({ hasText: file.name })
      await expect(row).toHaveAttribute('data-sha256', expected.get(file.name)!, { timeout: 30_000 })
      await expect(row).toHaveAttribute('data-queued', String(Math.ceil(file.data.length / (4 * 1024 * 1024)) + 1), { timeout: 30_000 })
    }
    await expect(rows.filter({ hasText: 'picture.bmp' }).locator('canvas.thumb')).toHaveJSProperty('width', 64, { timeout: 10_000 })
    expect(demo.uploads()).toEqual([]) // nothing got through

    // Close and come back: the view is rebuilt from the stored jobs; nothing is sent yet.
    await page.reload()
    await expect(rows).toHaveCount(3)
    await expect(page.locator('#server-state')).toHaveAttribute('data-offline', 'true')
    for (const file of files) await expect(rows.filter({ hasText: file.name })).toHaveAttribute('data-state', 'uploading')
    // The first request was tried and got no answer (the sender stops there: a dead server is probed, not hammered).
    await expect(page.locator('li.upload .note', { hasText: 'waiting for the network or the server' }).first()).toBeVisible()
    expect(demo.uploads()).toEqual([])

    await page.locator('#server-offline').uncheck()
    for (const file of files) {
      await expect(rows.filter({ hasText: file.name })).toHaveAttribute('data-state', 'verified', { timeout: 60_000 })
      await expect(rows.filter({ hasText: file.name }).locator('.verdict')).toContainText(`verified by the server: SHA-256 ${expected.get(file.name)}`)
    }

    const stored = demo.uploads()
    expect(stored.map((u) => [u.name, u.state, u.sha256, u.serverSha256]).sort()).toEqual(files.map((f) => [f.name, 'verified', expected.get(f.name), expected.get(f.name)]).sort())
    for (const upload of stored) {
      expect(upload.storedAs).toMatch(/^[0-9a-f]{32}$/) // the server's name, not the client's
      expect(sha256(await readFile(demo.pathOf(upload.uploadId)!))).toBe(expected.get(upload.name!))
    }

    // The dashboard shows the 18 requests (13 + 1 + 1 chunks, 3 manifests) completed; the hash and thumbnail jobs, which held the files, are removed.
    const dashboard = page.locator('errand-dashboard')
    await expect(dashboard.locator('li[data-state="completed"] b')).toHaveText('18', { timeout: 10_000 })
    await expect(dashboard.locator('tbody tr').filter({ hasText: 'completed' })).toHaveCount(18)
    await expect(dashboard.locator('tbody tr').filter({ hasText: /hash|thumbnail/ })).toHaveCount(0)

    // A reload still shows the verdicts, from the server's list.
    await page.reload()
    for (const file of files) await expect(rows.filter({ hasText: file.name })).toHaveAttribute('data-state', 'verified')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('with the browser offline, a picked file waits in the queue, also across a reload from the service worker cache; back online, it is sent and verified', async ({ context, page, demo }) => {
  test.setTimeout(60_000)
  const dir = await mkdtemp(join(tmpdir(), 'errand-demo-files-'))
  try {
    const data = randomBytes(9 * 1024 * 1024)
    await writeFile(join(dir, 'offline.bin'), data)
    await openDemo(page)
    await context.setOffline(true)
    await expect(page.locator('#browser-online')).toHaveAttribute('data-online', 'false')
    await page.locator('#files').setInputFiles(join(dir, 'offline.bin'))
    const row = page.locator('li.upload').filter({ hasText: 'offline.bin' })
    await expect(row).toHaveAttribute('data-queued', '4', { timeout: 30_000 }) // 3 chunks and the manifest
    await page.waitForTimeout(1000)
    expect(demo.uploads()).toEqual([])
    // Still offline, the page reloads from the service worker's cache and finds its upload in the queue.
    await page.reload()
    await expect(row).toHaveAttribute('data-queued', '4')
    await expect(row).toHaveAttribute('data-state', 'uploading')
    await context.setOffline(false)
    await expect(row).toHaveAttribute('data-state', 'verified', { timeout: 30_000 })
    expect(demo.uploads()).toMatchObject([{ name: 'offline.bin', state: 'verified', serverSha256: sha256(data) }])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
