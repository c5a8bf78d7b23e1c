// Shared by the network e2e tests (network.test.ts, offline.test.ts): the test server of each
// test, opening the fixture's network page, and queueing requests from it.
import type { BrowserContext, Page } from '@playwright/test'
import { expect, test } from './helpers'
import { startNetServer, type NetServer } from '../scripts/net-server.mjs'
import type { NetOpenOptions } from './fixture/net-api'

/** A test server on 127.0.0.1 for each test of the calling file: `net.server`, started before the test and closed after it. */
export function useNetServer(): { readonly server: NetServer } {
  const net = {} as { server: NetServer }
  test.beforeEach(async () => {
    net.server = await startNetServer()
  })
  test.afterEach(async () => {
    await net.server.close()
  })
  return net
}

export async function openNet(page: Page, options: NetOpenOptions): Promise<string> {
  await page.goto('/network.html')
  await page.waitForFunction(() => 'errandNet' in window)
  const { mode } = await page.evaluate((o) => window.errandNet.open(o), options)
  return mode
}

/** Starts `count` text POSTs and returns their ids and body hashes. */
export async function post(page: Page, url: string, count: number, options: Record<string, unknown> = {}, prefix = 'body'): Promise<{ id: string; sha256: string }[]> {
  const out: { id: string; sha256: string }[] = []
  for (let i = 0; i < count; i++) {
    const { id, sha256 } = await page.evaluate(([u, seed, o]) => window.errandNet.request(u, { method: 'POST', headers: { 'content-type': 'text/plain' } }, { kind: 'text', size: 10_240, seed }, o), [url, `${prefix}-${i}`, options] as const)
    out.push({ id, sha256: sha256[0]! })
  }
  return out
}

export const resultOf = (page: Page, id: string) => page.evaluate((jobId) => window.errandNet.result(jobId), id)

export const allWaiting = (page: Page) => page.evaluate(() => window.errandNet.all().then((jobs) => jobs.every((j) => j.state === 'queued' && j.attempt === 0)))

/**
 * Leaves the origin (the page goes to about:blank; its CDP session stays) and stops the
 * origin's service worker, which then runs only when something starts it: `start()`.
 */
export async function leaveAndStopServiceWorker(context: BrowserContext, page: Page): Promise<{ start(): Promise<void> }> {
  const cdp = await context.newCDPSession(page)
  const versions = new Map<string, string>()
  let scopeURL = ''
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions: updated }) => {
    for (const v of updated as { versionId: string; runningStatus: string }[]) versions.set(v.versionId, v.runningStatus)
  })
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
    scopeURL = registrations.find((r: { isDeleted: boolean }) => !r.isDeleted)?.scopeURL ?? scopeURL
  })
  await cdp.send('ServiceWorker.enable')
  await expect.poll(() => scopeURL).not.toBe('')
  await page.goto('about:blank')
  await expect.poll(() => [...versions.values()].includes('running')).toBe(true)
  for (const [versionId, status] of versions) if (status === 'running') await cdp.send('ServiceWorker.stopWorker', { versionId })
  await expect.poll(() => [...versions.values()].includes('running')).toBe(false)
  return { start: async () => void (await cdp.send('ServiceWorker.startWorker', { scopeURL })) }
}
