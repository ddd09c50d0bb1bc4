// Response serializers compiled on each route's first use instead of at start.
//
// Fastify compiles every route's response serializers (fast-json-stringify)
// while the app gets ready: code generation for a hundred-odd routes, most of
// which a given process never serves soon after it starts, and a large part of
// the CPU time from spawn to the first answer. This factory is Fastify's own
// default (the same package, options and shared schemas), each compiled
// function wrapped so that the compilation happens the first time the route
// serialises an answer. A schema that cannot compile then fails that route's
// answers (a 500 the error handler answers) rather than the start;
// test/http/lazy-compilers.test.ts builds the app with the eager default, so such a
// schema never ships. (Request validators are src/validation's, compiled on
// first use in the same way and cached per schema; the same test compiles them all.)
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'
import { putOff } from '../validation/compile-ahead.js'

type Serialize = (data: unknown) => string
type SerializerFactory = (...args: never[]) => (routeSchema: never) => Serialize

/** A serializer that compiles on its first call (or when compilePending runs, for a schema marked by compileSoon). */
function lazySerializer (schema: unknown, compile: () => Serialize): Serialize {
  let compiled: Serialize | undefined
  putOff(schema, () => { compiled ??= compile() })
  return (data) => (compiled ??= compile())(data)
}

/** Wraps Fastify's serializer factory so that the functions its compilers return compile on first use. */
function lazyFactory (factory: SerializerFactory): SerializerFactory {
  return (...args: never[]) => {
    const compiler = factory(...args)
    return (routeSchema: never) => lazySerializer((routeSchema as { schema?: unknown }).schema, () => compiler(routeSchema))
  }
}

/** `schemaController` for Fastify's server options: its default serializer compiler, compiling lazily. */
export const lazySchemaController = (): NonNullable<FastifyServerOptions['schemaController']> => ({
  compilersFactory: {
    buildSerializer: lazyFactory(SerializerSelector() as unknown as SerializerFactory) as never
  }
})
