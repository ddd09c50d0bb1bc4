// Requests Node's HTTP parser refuses before Fastify sees them (Fastify's
// clientErrorHandler): an over-long request line or header block, a malformed
// request, a request that did not arrive within REQUEST_TIMEOUT. They are
// answered in the contract's shape, `{"detail": "…"}`, instead of Fastify's
// `{"error","message","statusCode"}`, and the connection is closed (the parser
// cannot tell where the next request would start).
import { maxHeaderSize, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'

export interface ClientError extends Error {
  code?: string
  /** The bytes of the refused request that Node had read. */
  rawPacket?: unknown
}

/** Status and message for a parser error. */
export function clientErrorAnswer (error: ClientError): [number, string] {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'The request did not arrive in time.']
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return requestLineTooLong(error.rawPacket) ? [414, 'The request URL is too long.'] : [431, 'The request headers are too large.']
  }
  return [400, 'The request is malformed.']
}

/**
 * Whether the bytes Node was parsing when the header limit was passed show a
 * request line that alone takes most of it: then it is the URL that is too long.
 */
function requestLineTooLong (raw: unknown): boolean {
  if (!Buffer.isBuffer(raw)) return false
  const end = raw.indexOf('\n')
  // Still reading the request line when the limit came.
  if (end === -1) return true
  const line = raw.subarray(Math.max(0, end - 16), end).toString('latin1')
  return end > maxHeaderSize / 2 && /HTTP\/\d\.\d\r?$/.test(line)
}

export function contractClientError (error: ClientError, socket: Socket): void {
  // A reset connection: nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  if (socket.writable) {
    const [status, detail] = clientErrorAnswer(error)
    const body = JSON.stringify({ detail })
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy(error)
}
