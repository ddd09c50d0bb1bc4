// The human-readable page of `?format=api`: the same JSON, pretty-printed and
// escaped, with the status line, as DRF's browsable API showed it. Its one link
// (the same request as JSON) is a query-only reference: it resolves against the
// page's own URL, so it never leaves this origin whatever the request's path
// (`GET //evil.example/x?format=api` must not link to evil.example).
import { STATUS_CODES } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => escapes[c]!)

export function renderHtmlPage (request: FastifyRequest, reply: FastifyReply, json: string): string {
  let pretty = json
  try { pretty = JSON.stringify(JSON.parse(json), null, 4) } catch { /* show it as it is */ }
  const status = `HTTP ${reply.statusCode} ${STATUS_CODES[reply.statusCode] ?? ''}`
  const allow = reply.getHeader('allow')
  const headers = [status, ...(allow === undefined ? [] : [`Allow: ${String(allow)}`]), 'Content-Type: application/json']
  const question = request.url.indexOf('?')
  const path = question === -1 ? request.url : request.url.slice(0, question)
  const query = new URLSearchParams(question === -1 ? '' : request.url.slice(question + 1))
  // The same query, as JSON.
  query.delete('format')
  query.append('format', 'json')
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(path)} – Anime API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}pre{background:#f5f5f5;padding:1rem;border-radius:4px;overflow:auto}.req{color:#555}</style>
</head>
<body>
<h1>Anime API</h1>
<p class="req"><strong>${escapeHtml(request.method)}</strong> ${escapeHtml(request.url)}</p>
<pre><b>${escapeHtml(headers.join('\n'))}</b>

${escapeHtml(pretty)}</pre>
<p><a href="?${escapeHtml(query.toString())}">format=json</a></p>
</body>
</html>
`
}
