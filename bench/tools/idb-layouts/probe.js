// IndexedDB cost of errand's scheduler turn: one variant per page (one origin per variant,
// so each has its own IndexedDB backing store). The driver (run.mjs) calls
// window.probe.setup(variant) once, then window.probe.step(n) repeatedly, interleaved
// across variants.

const req = (r) =>
  new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error)
  })
const committed = (tx) =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('aborted'))
  })

const QUEUED = IDBKeyRange.bound(['cpu', -Infinity, -Infinity], ['cpu', Infinity, Infinity])
const BACKOFF = { type: 'exponential', delay: 1000, maxDelay: 3_600_000, jitter: 0 }
const ALL_INDEXES = ['next', 'due', 'lease', 'key', 'state', 'name']

let seqCounter = Date.now() * 1024
function randomString(n) {
  let s = ''
  while (s.length < n) s += Math.random().toString(36).slice(2)
  return s.slice(0, n)
}
function newId(seq) {
  let r = ''
  for (let i = 0; i < 8; i++) r += Math.floor(Math.random() * 36).toString(36)
  return seq.toString(36).padStart(11, '0') + r
}
/** A queued no-op job exactly as errand's stored() writes it (src/client/records.ts buildRecord + stored()). */
function queuedRecord(payloadKind, i, withNextKey) {
  const now = Date.now()
  const seq = ++seqCounter
  const rec = {
    id: newId(seq),
    name: 'noop',
    kind: 'cpu',
    payload: payloadKind === '1k' ? randomString(1024) : i,
    state: 'queued',
    priority: 0,
    seq,
    runAt: now,
    attempt: 0,
    claims: 0,
    stalls: 0,
    maxAttempts: 3,
    backoff: BACKOFF,
    timeout: 0,
    progress: 0,
    errors: [],
    createdAt: now,
  }
  if (withNextKey) rec.nextKey = ['cpu', rec.priority, rec.seq]
  return listKeys(rec)
}
// Variants with `sparseList`: indexes `state` and `name` on fields that running records leave out.
function listKeys(r) {
  if (!V?.sparseList) return r
  const { stateKey: _s, nameKey: _n, ...rest } = r
  return r.state === 'running' ? rest : { ...rest, stateKey: [r.state, r.id], nameKey: [r.name, r.id] }
}
// transitions.claim + stored(): out of `next`, into `lease`.
function claimed(r, now) {
  const { nextKey: _n, startedAt: _s, ...rest } = r
  return listKeys({ ...rest, state: 'running', attempt: r.attempt + 1, claims: r.claims + 1, progress: 0, owner: OWNER, leaseExpiresAt: now + 3_600_000 })
}
// transitions.start + complete + stored(): no lease, no activeKey, finished.
function completed(r, now) {
  const { leaseExpiresAt: _l, owner: _o, activeKey: _a, nextKey: _n, ...rest } = r
  return listKeys({ ...rest, startedAt: now, finishedAt: now, state: 'completed', progress: 1, result: undefined })
}
// Queue layout: the record is never rewritten by the claim; the outcome writes it once.
function completedFromQueued(r, now) {
  return { ...r, attempt: r.attempt + 1, claims: r.claims + 1, startedAt: now, finishedAt: now, state: 'completed', progress: 1, result: undefined }
}
const OWNER = newId(++seqCounter)

function createIndexes(jobs, names) {
  if (names.includes('next')) jobs.createIndex('next', 'nextKey')
  if (names.includes('due')) jobs.createIndex('due', 'dueAt')
  if (names.includes('lease')) jobs.createIndex('lease', 'leaseExpiresAt')
  if (names.includes('key')) jobs.createIndex('key', 'activeKey', { unique: true })
  if (names.includes('state')) jobs.createIndex('state', V.sparseList ? 'stateKey' : ['state', 'id'])
  if (names.includes('name')) jobs.createIndex('name', V.sparseList ? 'nameKey' : ['name', 'id'])
}

let V // the variant of this page
let db
let S // per-variant state carried across steps

async function openDb(v) {
  const name = `probe-${v.name}-${Date.now()}`
  const open = indexedDB.open(name, 1)
  open.onupgradeneeded = () => {
    const d = open.result
    const jobs = d.createObjectStore('jobs', { keyPath: 'id' })
    createIndexes(jobs, v.indexes ?? [])
    if (v.layout === 'queue') d.createObjectStore('queue', { keyPath: 'k' })
    if (v.leases) d.createObjectStore('leases')
    if (v.full) {
      d.createObjectStore('unseen')
      d.createObjectStore('logs', { keyPath: ['jobId', 'seq'] })
      d.createObjectStore('payloads')
    }
  }
  return req(open)
}

async function setup(v, prefill) {
  V = v
  db = await openDb(v)
  S = { order: [], pos: 0, running: [], runningRecs: [], phases: { read: 0, write: 0 } }
  const t0 = performance.now()
  if (v.prefill) {
    const chunk = 2000
    for (let done = 0; done < prefill; done += chunk) {
      const stores = v.layout === 'queue' ? ['jobs', 'queue'] : ['jobs']
      const tx = db.transaction(stores, 'readwrite', { durability: 'relaxed' })
      const jobs = tx.objectStore('jobs')
      const queue = v.layout === 'queue' ? tx.objectStore('queue') : null
      for (let i = 0; i < Math.min(chunk, prefill - done); i++) {
        const rec = queuedRecord(v.payload, done + i, v.layout !== 'queue' && (v.indexes ?? []).includes('next'))
        jobs.put(rec)
        if (queue) queue.put({ k: ['cpu', rec.priority, rec.seq], id: rec.id })
        if (v.workload === 'blind') S.order.push(rec)
      }
      await committed(tx)
    }
  }
  return { prefillMs: performance.now() - t0, userAgent: navigator.userAgent }
}

// --- workloads -------------------------------------------------------------

/** Baseline: `n` new records, one relaxed transaction (bench/page/raw.ts putAll). */
async function putBatch(n) {
  const batch = Array.from({ length: n }, (_, i) => queuedRecord(V.payload, i, V.layout !== 'queue' && (V.indexes ?? []).includes('next')))
  const t0 = performance.now()
  const tx = db.transaction(V.layout === 'queue' ? ['jobs', 'queue'] : 'jobs', 'readwrite', { durability: 'relaxed' })
  const jobs = tx.objectStore('jobs')
  // Layout `queue` (variants H-add-*): an add writes the record and its queue row, as D's layout would.
  const queue = V.layout === 'queue' ? tx.objectStore('queue') : null
  if (V.add) for (const r of batch) jobs.add(r)
  else for (const r of batch) jobs.put(r)
  if (queue) for (const r of batch) queue.put({ k: ['cpu', r.priority, r.seq], id: r.id })
  await committed(tx)
  return performance.now() - t0
}

/** errand's getJobs(): one getAll over the id range (limit 2n), or one get per id. */
async function readIds(jobs, ids) {
  if (!ids.length) return []
  if (V.read === 'gets') return Promise.all(ids.map((id) => req(jobs.get(id))))
  const sorted = [...ids].sort()
  const found = await req(jobs.getAll(IDBKeyRange.bound(sorted[0], sorted[sorted.length - 1]), ids.length * 2))
  const byId = new Map(found.map((r) => [r.id, r]))
  return ids.map((id) => byId.get(id))
}

/** Adds a turn's phases to the step's: reading until `t1`, then writing and committing until now. */
function account(t0, t1) {
  S.phases.read += t1 - t0
  S.phases.write += performance.now() - t1
}

/**
 * Today's layout, but a claim does not rewrite the record (`lazy`): the turn writes one lease row
 * for what it claimed, the claimed jobs stay in `next` until their outcome, so the head read asks
 * for as many more as are claimed and skips them; the outcome writes the record once.
 */
async function lazyTurn(batch) {
  const t0 = performance.now()
  const tx = db.transaction(['jobs', 'leases'], 'readwrite', { durability: 'relaxed' })
  const done = committed(tx)
  const jobs = tx.objectStore('jobs')
  const now = Date.now()
  const claimedIds = new Set(S.running)
  const [read, head] = await Promise.all([readIds(jobs, S.running), req(jobs.index('next').getAll(QUEUED, batch + claimedIds.size))])
  const t1 = performance.now()
  for (const r of read) if (r) jobs.put(listKeys(completedFromQueued(r, now)))
  const leases = tx.objectStore('leases')
  if (S.leaseKey) leases.delete(S.leaseKey)
  const claims = head.filter((r) => !claimedIds.has(r.id)).slice(0, batch)
  S.leaseKey = [now + 3_600_000, newId(++seqCounter)]
  leases.put({ owner: OWNER, ids: claims.map((r) => [r.id, r.claims + 1]) }, S.leaseKey)
  S.running = claims.map((r) => r.id)
  await done
  account(t0, t1)
  return { outcomes: read.length, claims: claims.length }
}

/** One turn of the current layout: outcomes of last turn's claims, then claim the next `batch`. */
async function indexedTurn(batch) {
  const names = V.full ? ['jobs', 'logs', 'unseen', 'payloads'] : ['jobs']
  const t0 = performance.now()
  const tx = db.transaction(names, 'readwrite', { durability: 'relaxed' })
  const done = committed(tx)
  const jobs = tx.objectStore('jobs')
  const now = Date.now()
  const from = V.skip && S.lastKey ? IDBKeyRange.bound(S.lastKey, ['cpu', Infinity, Infinity], true) : QUEUED
  const headRead = V.skip ? req(jobs.index('next').getAll(from, batch)) : V.headKeys ? req(jobs.index('next').getAllKeys(QUEUED, batch)).then((ids) => readIds(jobs, ids)) : req(jobs.index('next').getAll(QUEUED, batch))
  const reads = [readIds(jobs, S.running), headRead]
  if (V.full) {
    reads.push(req(jobs.index('due').getAll(IDBKeyRange.upperBound(now))))
    reads.push(req(jobs.index('lease').getAll(IDBKeyRange.upperBound(now))))
  }
  const [read, head] = await Promise.all(reads)
  const t1 = performance.now()
  for (const r of read) if (r) jobs.put(completed(r, now))
  if (V.full && read.length) tx.objectStore('unseen').put(S.running.slice(), [now, newId(++seqCounter)])
  if (head.length) S.lastKey = head[head.length - 1].nextKey
  const claims = head.map((r) => claimed(r, now))
  for (const r of claims) jobs.put(r)
  S.running = claims.map((r) => r.id)
  await done
  account(t0, t1)
  return { outcomes: read.length, claims: claims.length }
}

/** Queue layout: claim = read + delete the head rows of `queue` (+ read the records, for their payload); outcome = one put. */
async function queueTurn(batch) {
  const names = V.leases ? ['jobs', 'queue', 'leases'] : ['jobs', 'queue']
  const t0 = performance.now()
  const tx = db.transaction(names, 'readwrite', { durability: 'relaxed' })
  const done = committed(tx)
  const jobs = tx.objectStore('jobs')
  const queue = tx.objectStore('queue')
  const now = Date.now()
  const [read, head] = await Promise.all([readIds(jobs, S.running), req(queue.getAll(QUEUED, batch))])
  const t1 = performance.now()
  for (const r of read) if (r) jobs.put(V.rewrite ? completed(r, now) : completedFromQueued(r, now))
  if (V.leases === 'row' && S.running.length) {
    const leases = tx.objectStore('leases')
    for (const id of S.running) leases.delete(id)
  }
  if (V.leases === 'batch' && S.leaseKey) tx.objectStore('leases').delete(S.leaseKey)
  let recs = []
  if (head.length) {
    queue.delete(IDBKeyRange.bound(head[0].k, head[head.length - 1].k))
    if (V.leases === 'row') {
      const leases = tx.objectStore('leases')
      for (const h of head) leases.put({ owner: OWNER, claim: 1, expires: now + 3_600_000 }, h.id)
    }
    if (V.leases === 'batch') {
      // One lease row per turn (like errand's `unseen` marks): [expiry, token] → owner + the ids it claimed.
      S.leaseKey = [now + 3_600_000, newId(++seqCounter)]
      tx.objectStore('leases').put({ owner: OWNER, ids: head.map((h) => h.id) }, S.leaseKey)
    }
    // The worker needs the payload: read the claimed records (one getAll over their id range).
    if (V.claimRead !== false) recs = await readIds(jobs, head.map((h) => h.id))
    if (V.rewrite) for (const r of recs) jobs.put(claimed(r, now))
  }
  S.running = head.map((h) => h.id)
  await done
  account(t0, t1)
  return { outcomes: read.length, claims: head.length, recs: recs.length }
}

/** No reads: the same puts as a turn (80 outcomes + 80 claims), records taken from memory. */
async function blindTurn(batch) {
  const t0 = performance.now()
  const tx = db.transaction('jobs', 'readwrite', { durability: 'relaxed' })
  const done = committed(tx)
  const jobs = tx.objectStore('jobs')
  const now = Date.now()
  for (const r of S.runningRecs) jobs.put(completed(r, now))
  const head = S.order.slice(S.pos, S.pos + batch)
  S.pos += head.length
  S.runningRecs = head.map((r) => claimed(r, now))
  for (const r of S.runningRecs) jobs.put(r)
  await done
  S.phases.write += performance.now() - t0
  return { outcomes: 0, claims: head.length }
}

/** `jobs` jobs' worth of work; returns ms and ms/job. */
async function step(jobs, batch) {
  S.phases = { read: 0, write: 0 }
  if (V.workload === 'put') {
    const ms = await putBatch(jobs)
    return { ms, perJob: ms / jobs, jobs, phases: S.phases }
  }
  const turn = V.workload === 'blind' ? blindTurn : V.layout === 'queue' ? queueTurn : V.lazy ? lazyTurn : indexedTurn
  const t0 = performance.now()
  let claims = 0
  let outcomes = 0
  while (claims < jobs) {
    const r = await turn(Math.min(batch, jobs - claims))
    if (r.claims === 0) throw new Error(`${V.name}: queue ran dry after ${claims}`)
    claims += r.claims
    outcomes += r.outcomes
  }
  const ms = performance.now() - t0
  return { ms, perJob: ms / jobs, jobs, outcomes, phases: S.phases }
}

window.probe = { setup, step }
window.probeReady = true
