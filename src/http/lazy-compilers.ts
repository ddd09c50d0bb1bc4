// Route schemas compiled on each route's first use instead of at start.
//
// Fastify compiles every route's request validators (Ajv) and response
// serializers (fast-json-stringify) while the app gets ready: code generation
// for a hundred-odd routes, most of which a given process never serves soon
// after it starts, and about half of the CPU time from spawn to the first
// answer. These factories are Fastify's own defaults (the same packages, the
// same options, the same shared schemas), each compiled function wrapped so that
// the compilation happens the first time the route validates or serialises.
// A schema that cannot compile then fails that route's requests (a 500 the
// error handler answers) rather than the start; test/lazy-compilers.test.ts
// builds the app with the eager defaults, so such a schema never ships.
import { AjvCompiler } from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

export type Validate = ((data: unknown) => unknown) & { errors?: unknown }
type CompilerFactory = (...args: never[]) => (routeSchema: never) => (data: never) => unknown

/** A validator that compiles on its first call; Fastify reads `.errors` after a failed call. */
export function lazyValidator (compile: () => Validate): Validate {
  let compiled: Validate | undefined
  const validate: Validate = (data) => {
    compiled ??= compile()
    const result = compiled(data)
    validate.errors = compiled.errors
    return result
  }
  validate.errors = null
  return validate
}

/** A serializer that compiles on its first call. */
function lazySerializer (compile: () => (data: unknown) => string): (data: unknown) => string {
  let compiled: ((data: unknown) => string) | undefined
  return (data) => (compiled ??= compile())(data)
}

/** Wraps a Fastify compiler factory so that the functions its compilers return compile on first use. */
function lazyFactory<F extends CompilerFactory> (factory: F, wrap: (compile: () => never) => unknown): F {
  return ((...args: never[]) => {
    const compiler = factory(...args)
    return (routeSchema: never) => wrap(() => compiler(routeSchema) as never)
  }) as F
}

/** `schemaController` for Fastify's server options: its default compilers, compiling lazily. */
export const lazySchemaController = (): NonNullable<FastifyServerOptions['schemaController']> => ({
  compilersFactory: {
    buildValidator: lazyFactory(AjvCompiler() as unknown as CompilerFactory, (compile) => lazyValidator(compile as () => Validate)) as never,
    buildSerializer: lazyFactory(SerializerSelector() as unknown as CompilerFactory, (compile) => lazySerializer(compile as () => (data: unknown) => string)) as never
  }
})
