// Prints the CREATE VIEW statements of schema dataquery, generated from the billing
// catalogue, for a migration (a test checks migration 0005 holds exactly these).
import { dataQueryViewsSql } from '../src/query/catalog.ts'

if (import.meta.main) console.log(dataQueryViewsSql())
