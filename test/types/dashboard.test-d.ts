// Type tests for errand/dashboard, checked by `npm run typecheck` (tsc).
import { expectTypeOf } from 'vitest'
import { defineDashboard, ErrandDashboard, type DashboardQueue } from '../../src/dashboard.js'
import { openQueue } from '../../src/index.js'
import { createTestQueue } from '../../src/testing.js'
import { defineJobs } from '../../src/worker.js'

const jobs = defineJobs({
  thumbnail(input: { size: number }) {
    return { width: input.size }
  },
})
type Jobs = typeof jobs

expectTypeOf(defineDashboard()).toEqualTypeOf<typeof ErrandDashboard>()
defineDashboard('my-jobs')

const element = document.querySelector('errand-dashboard')
expectTypeOf(element).toEqualTypeOf<ErrandDashboard | null>()
expectTypeOf(document.createElement('errand-dashboard')).toEqualTypeOf<ErrandDashboard>()

const dashboard = new ErrandDashboard()
// Any typed queue binds, and null unbinds.
dashboard.queue = openQueue<Jobs>('media')
dashboard.queue = openQueue('untyped')
dashboard.queue = createTestQueue<Jobs>()
dashboard.queue = null
expectTypeOf<ErrandDashboard['queue']>().toEqualTypeOf<DashboardQueue | null>()
dashboard.pageSize = 100

// @ts-expect-error: a queue's name is not a queue
dashboard.queue = 'media'
// @ts-expect-error: an object without the queue's methods
dashboard.queue = { name: 'media' }
// @ts-expect-error: page size is a number
dashboard.pageSize = '100'
