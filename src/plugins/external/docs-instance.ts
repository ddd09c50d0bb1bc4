// The API documents' own Fastify instance, built on the first request for them
// (src/plugins/external/swagger.ts): @fastify/swagger writes the OpenAPI document
// from the service's routes, replayed here from what the service registered, and
// @fastify/swagger-ui serves the UI at /docs. It never listens; the service
// answers /docs and /openapi.json from it through inject().
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { documentAnswers, isJsonOnly, nameComponents, openapiPath } from '../../http/openapi.js'

export const openapiInfo = {
  openapi: '3.1.0',
  info: {
    title: 'Anime API',
    description: 'A self-hosted anime catalogue: entries, random picks, search and filters, similar anime, accounts with token logins, ' +
      'watchlists with MyAnimeList import and export. A drop-in replacement for the old Django REST service: the same requests get the same ' +
      'status codes, JSON keys and messages. Errors are `{"detail": "…"}`, or for invalid input one key per field with a list of messages ' +
      '(`FieldErrors`).',
    version: '1.0.0',
    license: { name: 'Catalogue data: ODbL-1.0 (anime-offline-database)', url: 'https://opendatacommons.org/licenses/odbl/1-0/' }
  },
  components: {
    securitySchemes: {
      Token: {
        type: 'apiKey' as const,
        in: 'header' as const,
        name: 'Authorization',
        description: 'The word `Token`, a space, then the 64-character token from login or register: `Authorization: Token 9f8b…`'
      }
    }
  },
  tags: [
    { name: 'anime', description: 'The catalogue' },
    { name: 'account', description: 'Registration and token logins' },
    { name: 'watchlists', description: 'Named lists of anime, MyAnimeList import and export' },
    { name: 'health', description: 'Liveness and readiness, for load balancers and monitoring' },
    { name: 'jikan', description: "Jikan v4's anime endpoints, answered from the catalogue for existing Jikan clients (docs/jikan.md)" }
  ]
}

/**
 * The UI's static files where the package is installed, named explicitly
 * (swagger-ui's documented `baseDir` and `logo`): the build bundles the
 * package's code (scripts/build.ts), which would otherwise look for them
 * beside itself. Undefined where it is not installed (the single executable
 * serves a stand-in, src/sea/docs-fallback.ts).
 */
function installedUi (): { baseDir: string, logo: { type: string, content: Buffer } } | undefined {
  let baseDir: string
  try {
    baseDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui')), 'static')
  } catch {
    return undefined
  }
  return { baseDir, logo: { type: 'image/svg+xml', content: fs.readFileSync(path.join(baseDir, 'logo.svg')) } }
}

/** What the document is written from: a route as the service registered it. */
export type DocumentedRoute = Pick<RouteOptions, 'method' | 'url' | 'schema' | 'config'>

/** Registers the documents on `docs` (a new instance, not yet ready), for `routes`. */
export async function registerDocs (docs: FastifyInstance, routes: readonly DocumentedRoute[]): Promise<void> {
  // Nothing is validated or serialised here: the routes below are never called, they are only described.
  docs.setValidatorCompiler(() => () => true)
  docs.setSerializerCompiler(() => (data) => JSON.stringify(data))
  // The paths of routes marked JSON-only, as the routes are documented (the document is built after them).
  const jsonOnlyPaths = new Set<string>()
  await docs.register(swagger, {
    openapi: openapiInfo,
    transform: ({ schema, url, route }) => {
      if (isJsonOnly(route)) jsonOnlyPaths.add(openapiPath(url))
      return { schema: documentAnswers(schema as Record<string, unknown>, route), url }
    },
    transformObject: (document) => nameComponents(('openapiObject' in document ? document.openapiObject : document.swaggerObject) as Record<string, unknown>, jsonOnlyPaths)
  })
  // HEAD routes are Fastify's own copies of the GET ones; @fastify/swagger leaves them out.
  for (const { method, url, schema, config } of routes) {
    if (method !== 'HEAD') docs.route({ method, url, schema, config, exposeHeadRoute: false, handler: async () => null })
  }
  await docs.register(swaggerUi, { routePrefix: '/docs', ...installedUi() })
}
