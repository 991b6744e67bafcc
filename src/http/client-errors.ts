// Requests Node's HTTP parser refuses before Fastify sees them: a URL or headers over the
// header limit (16 KB), a request line that is not HTTP, a request that took too long to
// arrive. Node would answer them with Fastify's default body ({"error":..., "statusCode":...});
// zjobs answers in the envelope of the family the request line names, with a Zuora-Request-Id,
// and reads what the client still sends before closing, so that the client reads the answer
// instead of a reset connection.
import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { ApiError, Category } from '../platform/errors.ts'
import { errorBody, familyOf } from './errors.ts'

/** How long a refused connection is read from after the answer, at most. */
const LINGER_MS = 5_000
/** A request line this long is a URL over the limit (414), not headers (431). */
const LONG_REQUEST_LINE = 8 * 1024

const answered = new WeakSet<Socket>()

interface ClientError extends Error {
  code?: string
  /** The bytes the parser failed on (Node sets it on parse errors). */
  rawPacket?: Buffer
}

/** Method and path of the request line at the start of `packet`, when there is one. */
function requestLineOf(packet: Buffer | undefined): { line: string; complete: boolean; path?: string } {
  const head = packet?.subarray(0, LONG_REQUEST_LINE + 2).toString('latin1') ?? ''
  const end = head.indexOf('\r\n')
  const line = end < 0 ? head : head.slice(0, end)
  const path = /^[A-Z]{3,10} (\/\S*)/.exec(line)?.[1]
  return { line, complete: end >= 0, path }
}

function refusal(error: ClientError): ApiError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW': {
      const { line, complete } = requestLineOf(error.rawPacket)
      if (!complete || line.length >= LONG_REQUEST_LINE) {
        return new ApiError(414, Category.limitExceeded, 'The request URL is too long (the request line and headers may take 16 KB)')
      }
      return new ApiError(431, Category.limitExceeded, 'The request headers are too large (the request line and headers may take 16 KB)')
    }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return new ApiError(408, Category.temporary, 'The request did not arrive in time')
    default:
      return new ApiError(400, Category.malformedRequest, 'The request is not well-formed HTTP/1.1')
  }
}

/** Fastify's clientErrorHandler: the refusal in the family's envelope, then a lingering close. */
export function clientErrorHandler(clientError: Error, socket: Socket): void {
  const error = clientError as ClientError
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || socket.destroyed) return
  // The parser reports every later chunk of a refused request again: one answer.
  if (answered.has(socket)) return
  answered.add(socket)
  const apiError = refusal(error)
  const family = familyOf(requestLineOf(error.rawPacket).path ?? '/')
  const requestId = randomUUID()
  const payload = JSON.stringify(errorBody(family, apiError, requestId))
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(payload)}\r\n` +
        `Zuora-Request-Id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        payload,
    )
  }
  // Half-close: the answer and a FIN go out, and what the client still sends is read (and
  // dropped by the failed parser) until it closes its side, or LINGER_MS have passed.
  socket.end()
  const timer = setTimeout(() => socket.destroy(), LINGER_MS)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
}
