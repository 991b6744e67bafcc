// zjobs writes its links (Data Query's dataFile, a backfill's files) with its public URL, which
// says localhost; a console opened at 127.0.0.1 would then fetch another origin, which the
// browser refuses without CORS. A link to the console's own server on another loopback name
// is read on the page's own origin instead. Any other link is left as it is.
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

export function onOrigin(link: string, origin: string): string {
  let url: URL
  let own: URL
  try {
    url = new URL(link, origin)
    own = new URL(origin)
  } catch {
    return link
  }
  if (url.origin === own.origin) return url.toString()
  const sameServer = url.protocol === own.protocol && url.port === own.port && LOOPBACK.has(url.hostname) && LOOPBACK.has(own.hostname)
  return sameServer ? `${own.origin}${url.pathname}${url.search}${url.hash}` : link
}
