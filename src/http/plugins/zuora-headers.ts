// Zuora-Request-Id on every response; Zuora-Track-Id validated and echoed.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { invalid } from '../../platform/errors.ts'

// At most 64 printable US-ASCII characters, none of : ; " '
const TRACK_ID = /^[\x20-\x7e]{1,64}$/
const TRACK_ID_FORBIDDEN = /[:;"']/

export function isValidTrackId(value: string): boolean {
  return TRACK_ID.test(value) && !TRACK_ID_FORBIDDEN.test(value)
}

// Zuora-Version: a date (2024-05-20) or a legacy number (211.0).
const VERSION = /^(\d{4}-\d{2}-\d{2}|\d{3}\.\d)$/
export const isValidZuoraVersion = (value: string) => VERSION.test(value)

export const zuoraHeaders = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('Zuora-Request-Id', request.id)
    const trackId = request.headers['zuora-track-id']
    if (trackId === undefined || trackId === '') return
    if (typeof trackId !== 'string' || !isValidTrackId(trackId)) {
      throw invalid('Zuora-Track-Id must be at most 64 US-ASCII characters and must not contain : ; " or \'')
    }
    reply.header('Zuora-Track-Id', trackId)
  })
})
