import { fileStoreSuite } from './file-store.suite.ts'

// Against s3rver, an S3-compatible server the test starts (test/helpers/s3.ts).
fileStoreSuite('s3')
