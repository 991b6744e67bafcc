// Input sizes: the full sizes, and --quick's, small enough for a run of every
// scenario in under two minutes per backend.
export interface Sizes {
  /** Jobs of the API-read tenant. */
  apiJobs: number
  apiConnections: number
  /** Seconds of each autocannon run (after a warm-up of a quarter of that). */
  apiSeconds: number
  /** Alternating zjobs/baseline rounds of the load test; each side's best counts. */
  apiRounds: number
  /** Rate plan charges exported (the memory scenario's x1 is a quarter of it). */
  exportRows: number
  /** Accounts seeded before the charges are multiplied to exportRows. */
  exportSeedAccounts: number
  /** Bytes of the custom-object CSV (at most 15 MB, Zuora's limit; x1 is a quarter). */
  bulkBytes: number
  /** Rounds of the bulk create (zjobs, then the baseline); each side's best counts. */
  bulkRounds: number
  /** Bytes of the RatePlanCharge backfill file (at most 4 MB, Zuora's limit). */
  backfillBytes: number
  /** Rate plan charges of the auto backfill. */
  autoRows: number
  seedAccounts: number
  latencyRuns: number
  /** Also compare the export with COPY | gzip at level 6 (gzip's default). */
  gzip6: boolean
  /** Starts of each kind (new folder, reopened folder, baseline); the median counts. */
  startRuns: number
  /** Runs of each CLI command and of its baseline; the median counts. */
  cliRuns: number
  /** Seconds a freshly started zjobs (and the baseline) is left alone before its idle memory is read. */
  idleSeconds: number
}

export const FULL: Sizes = {
  apiJobs: 5000,
  apiConnections: 32,
  apiSeconds: 10,
  apiRounds: 2,
  exportRows: 500_000,
  exportSeedAccounts: 250,
  bulkBytes: 15_000_000,
  bulkRounds: 2,
  backfillBytes: 4_000_000,
  autoRows: 1_000_000,
  seedAccounts: 100_000,
  latencyRuns: 50,
  gzip6: true,
  startRuns: 5,
  cliRuns: 7,
  idleSeconds: 5,
}

export const QUICK: Sizes = {
  apiJobs: 500,
  apiConnections: 32,
  apiSeconds: 2,
  apiRounds: 1,
  exportRows: 10_000,
  exportSeedAccounts: 50,
  bulkBytes: 500_000,
  bulkRounds: 1,
  backfillBytes: 200_000,
  autoRows: 50_000,
  // 1/100: seeding is the slowest scenario per unit.
  seedAccounts: 1_000,
  latencyRuns: 50,
  gzip6: false,
  startRuns: 3,
  cliRuns: 3,
  idleSeconds: 2,
}
