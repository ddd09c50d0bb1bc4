// What failed, from ajv's errors (`issuesOf`), and the one place that words it in
// the old service's (DRF's) messages and shape (`contractErrors`): one key per
// failing field in the schema's field order, each a list of every message for
// it. A route group with another error shape (Jikan's) renders the same issues
// its own way (see src/http/validation.ts).
import type { ErrorObject, SchemaObject } from 'ajv'
import { pythonTypeName, type FieldErrorBody } from '../errors.js'
import { fieldOf, type HttpPart } from './validator.js'

/** One thing wrong with a request part. */
export interface Issue {
  /** The property (query parameter, body field); '' for the value as a whole. */
  field: string
  /** ajv's keyword: required, type, enum, minimum, maximum, minLength, maxLength, pattern, format, x-plain-text, x-not-above… */
  keyword: string
  /** The value that failed (after reading; an item of a list for a list's items). */
  value: unknown
  /** The schema of that value. */
  schema: SchemaObject
  /** ajv's parameters: `limit` of bounds, `missingProperty`, `type`… */
  params: Record<string, unknown>
  /** For an item of a list: its position. */
  item?: number
}

// Errors that only say "a branch failed"; the branch's own errors say what.
const containers = new Set(['anyOf', 'oneOf', 'if', 'not', 'allOf'])
// A union is reported as its first branch (`integer | "last"`: as an integer).
const laterBranch = /\/(anyOf|oneOf)\/[1-9]\d*(\/|$)/

/** The issues of ajv's errors (as src/validation/validator.ts sorts them: by field). */
export function issuesOf (errors: readonly ErrorObject[]): Issue[] {
  const issues: Issue[] = []
  for (const error of errors) {
    if (containers.has(error.keyword) || laterBranch.test(error.schemaPath)) continue
    const steps = error.instancePath.split('/')
    const item = steps.length > 2 && /^\d+$/.test(steps[2]!) ? Number(steps[2]) : undefined
    issues.push({
      field: fieldOf(error),
      keyword: error.keyword,
      value: error.data,
      schema: (error.parentSchema ?? {}) as SchemaObject,
      params: error.params as Record<string, unknown>,
      ...(item === undefined ? {} : { item })
    })
  }
  return issues
}

export const messages = {
  required: 'This field is required.',
  null: 'This field may not be null.',
  blank: 'This field may not be blank.',
  string: 'Not a valid string.',
  integer: 'A valid integer is required.',
  number: 'A valid number is required.',
  boolean: 'Must be a valid boolean.',
  invalid: 'Invalid value.',
  maxLength: (n: unknown) => `Ensure this field has no more than ${String(n)} characters.`,
  minLength: (n: unknown) => `Ensure this field has at least ${String(n)} characters.`,
  min: (n: unknown) => `Ensure this value is greater than or equal to ${String(n)}.`,
  max: (n: unknown) => `Ensure this value is less than or equal to ${String(n)}.`,
  pattern: 'Enter a valid value.',
  email: 'Enter a valid email address.',
  nullCharacter: 'Null characters are not allowed.',
  surrogate: (codePoint: number) => `Surrogate characters are not allowed: U+${codePoint.toString(16).toUpperCase()}.`,
  notADict: (value: unknown) => `Invalid data. Expected a dictionary, but got ${value === null ? 'NoneType' : pythonTypeName(value)}.`,
  maxItems: (n: unknown) => `Ensure this field has no more than ${String(n)} elements.`,
  /** DRF's ChoiceField (bodies, path segments that name one of a set). */
  choice: (value: unknown) => `"${String(value)}" is not a valid choice.`,
  /** Django's form fields (query parameters, each item of a list). */
  queryChoice: (value: unknown) => `Select a valid choice. ${String(value)} is not one of the available choices.`
}

const typeMessages: Record<string, string> = {
  string: messages.string,
  integer: messages.integer,
  number: messages.number,
  boolean: messages.boolean
}

interface Worded {
  message: string
  /** Where DRF put it among one field's messages (its validators' order). */
  rank: number
  /** DRF stopped at it: no other message for the field. */
  alone?: boolean
}

const choiceMessage = (part: HttpPart, value: unknown): string => part === 'querystring' ? messages.queryChoice(value) : messages.choice(value)

function word (issue: Issue, part: HttpPart): Worded {
  const { keyword, value, schema, params } = issue
  switch (keyword) {
    case 'required': return { message: messages.required, rank: 0, alone: true }
    case 'type': {
      // An item of a list body that is not an object (DRF's many=True serializer).
      if (params.type === 'object') return { message: messages.notADict(value), rank: 0, alone: true }
      if (value === null) return { message: messages.null, rank: 0, alone: true }
      if (Array.isArray(schema.enum)) return { message: choiceMessage(part, value), rank: 0, alone: true }
      const expected = [params.type].flat().map(String).find((type) => type !== 'null') ?? ''
      return { message: typeMessages[expected] ?? messages.invalid, rank: 0, alone: true }
    }
    case 'enum': return { message: choiceMessage(part, value), rank: 6 }
    case 'pattern': return { message: typeof schema['x-pattern-message'] === 'string' ? schema['x-pattern-message'] : messages.pattern, rank: 1 }
    case 'maxLength': return { message: messages.maxLength(params.limit), rank: 2 }
    case 'minLength':
      // DRF's blank check comes before the length validators and stops there.
      return value === '' ? { message: messages.blank, rank: 0, alone: true } : { message: messages.minLength(params.limit), rank: 3 }
    case 'x-plain-text':
      return params.nul === true ? { message: messages.nullCharacter, rank: 4 } : { message: messages.surrogate(Number(params.codePoint)), rank: 5 }
    case 'format': return { message: params.format === 'email' ? messages.email : messages.pattern, rank: 6 }
    case 'minimum': return { message: messages.min(params.limit), rank: 6 }
    case 'maximum':
    case 'x-not-above': return { message: messages.max(params.limit), rank: 6 }
    case 'maxItems': return { message: messages.maxItems(params.limit), rank: 6 }
    default: return { message: messages.invalid, rank: 6 }
  }
}

/** The 400 body of the contract for `issues` of a request's `part`: `{"field": ["message", …], …}`. */
export function contractErrors (issues: readonly Issue[], part: HttpPart): FieldErrorBody {
  const byField = new Map<string, Worded[]>()
  for (const issue of issues) {
    const field = issue.field === '' ? 'non_field_errors' : issue.field
    let worded = byField.get(field)
    if (worded === undefined) byField.set(field, worded = [])
    worded.push(word(issue, part))
  }
  const body: FieldErrorBody = {}
  for (const [field, worded] of byField) {
    const alone = worded.find((w) => w.alone === true)
    const list = alone === undefined ? [...worded].sort((a, b) => a.rank - b.rank) : [alone]
    body[field] = [...new Set(list.map((w) => w.message))]
  }
  return body
}

/**
 * The 400 body of the contract for `errors` of a list body (an array schema,
 * DRF's many=True serializer) of `length` items: `{"non_field_errors": […]}`
 * when the list as a whole fails (too many items), else one object of field
 * errors per item, `{}` for the valid ones.
 */
export function contractListErrors (errors: readonly ErrorObject[], length: number): FieldErrorBody | FieldErrorBody[] {
  const whole = errors.filter((error) => error.instancePath === '')
  if (whole.length > 0) return contractErrors(issuesOf(whole), 'body')
  const byItem = new Map<number, ErrorObject[]>()
  for (const error of errors) {
    const [, index = '', ...rest] = error.instancePath.split('/')
    const item = Number(index)
    let list = byItem.get(item)
    if (list === undefined) byItem.set(item, list = [])
    // The error as if the item were the body.
    list.push({ ...error, instancePath: rest.length === 0 ? '' : `/${rest.join('/')}`, schemaPath: error.schemaPath.replace(/^#\/items/, '#') })
  }
  return Array.from({ length }, (_, item) => {
    const itemErrors = byItem.get(item)
    return itemErrors === undefined ? {} : contractErrors(issuesOf(itemErrors), 'body')
  })
}
