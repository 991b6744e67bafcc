import { fileStoreSuite } from './file-store.suite.ts'

fileStoreSuite('local')
