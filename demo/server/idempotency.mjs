// Idempotency-Key for the demo API: the first request with a key runs, every repeat (a
// retry after a lost response, a service worker stopped mid-request) gets the first
// answer again without running anything. A key reused for another request is a 422.
// Answers live in memory (the newest MAX_KEYS); the upload handlers are idempotent by
// themselves as well (a chunk already stored is not stored again), so a server restart
// that forgets the keys stores nothing twice either.

const MAX_KEYS = 10_000
const KEY = /^[\x21-\x7e]{1,200}$/

/**
 * @typedef {{ status: number, body: unknown }} Answer
 * @returns {{
 *   run(key: string | undefined, fingerprint: string, work: () => Promise<Answer>): Promise<Answer & { replayed: boolean }>,
 * }}
 */
export function createIdempotency() {
  /** @type {Map<string, { fingerprint: string, answer: Promise<Answer> }>} */
  const answers = new Map()
  return {
    async run(key, fingerprint, work) {
      if (key === undefined) return { ...(await work()), replayed: false }
      if (!KEY.test(key)) return { status: 400, body: { error: 'Idempotency-Key must be 1 to 200 visible ASCII characters.' }, replayed: false }
      const known = answers.get(key)
      if (known) {
        if (known.fingerprint !== fingerprint) {
          return { status: 422, body: { error: `Idempotency-Key ${key} was first used for ${known.fingerprint}, not ${fingerprint}. Use a new key for a new request.` }, replayed: false }
        }
        return { ...(await known.answer), replayed: true }
      }
      const answer = work()
      answers.set(key, { fingerprint, answer })
      if (answers.size > MAX_KEYS) answers.delete(answers.keys().next().value)
      try {
        const settled = await answer
        // A server error is not an answer to keep: the retry should run again.
        if (settled.status >= 500) answers.delete(key)
        return { ...settled, replayed: false }
      } catch (error) {
        answers.delete(key)
        throw error
      }
    },
  }
}
