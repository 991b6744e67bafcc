import pino, { type Logger } from 'pino'
import type { Config } from './config.ts'

/** Query parameters whose values are credentials: a signed link's signature, tokens, secrets, keys. */
const SECRET_PARAMETER = /signature|sig$|token|secret|password|passw|key|credential|auth/i

/**
 * A request's URL as logs keep it: the path, and the query with the value of every parameter
 * that could be a credential replaced by [redacted] (a signed link's signature would let
 * anyone who reads the log download the file).
 */
export function loggableUrl(url: string): string {
  const mark = url.indexOf('?')
  if (mark < 0) return url
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=')
      const rawName = equals < 0 ? pair : pair.slice(0, equals)
      let name = rawName
      try {
        name = decodeURIComponent(rawName.replaceAll('+', ' '))
      } catch {
        // a malformed name is checked as it is
      }
      return SECRET_PARAMETER.test(name) ? `${rawName}=[redacted]` : pair
    })
  return `${url.slice(0, mark)}?${query.join('&')}`
}

interface LoggedRequest {
  method?: string
  url?: string
  host?: string
  ip?: string
  socket?: { remotePort?: number }
}

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'zjobs' },
      // Fastify's own request serializer, with the URL made safe to keep (Fastify takes the
      // logger's serializers over its own).
      serializers: {
        req: (req: LoggedRequest) => ({
          method: req.method,
          url: req.url === undefined ? undefined : loggableUrl(req.url),
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    destination,
  )
}
