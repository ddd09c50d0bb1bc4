// Errors that carry their own response, in the old service's (DRF's) shapes.

export type FieldErrorBody = Record<string, string[]>

/** An error body: an object, or for a list body one object per item (DRF's many=True). */
export type ErrorBody = Record<string, unknown> | Array<Record<string, unknown>>

export class ApiError extends Error {
  constructor (
    readonly statusCode: number,
    readonly body: ErrorBody,
    readonly headers: Record<string, string> = {}
  ) {
    super(!Array.isArray(body) && typeof body.detail === 'string' ? body.detail : JSON.stringify(body))
    this.name = 'ApiError'
  }
}

export const notFound = (): ApiError => new ApiError(404, { detail: 'Not found.' })

/** 400 with one key per field, each a list of messages. */
export const fieldErrors = (errors: FieldErrorBody): ApiError => new ApiError(400, errors)

/** How DRF names a JSON value's type in "Expected a dictionary, but got …". */
export function pythonTypeName (value: unknown): string {
  if (Array.isArray(value)) return 'list'
  if (typeof value === 'string') return 'str'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  return 'dict'
}
