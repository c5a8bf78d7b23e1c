/**
 * errand/dashboard: `<errand-dashboard>`, a live view of a queue (counts, jobs, details,
 * throughput) that renders job data as text only and never acknowledges outcomes.
 * @module errand/dashboard
 */
export { ErrandDashboard, type DashboardQueue } from './dashboard/element.js'
export { defineDashboard } from './dashboard/define.js'
