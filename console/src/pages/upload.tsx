export function UploadPage(_: { kind: 'objects' | 'backfill' }) { return <section><h1>UploadPage</h1></section> }
