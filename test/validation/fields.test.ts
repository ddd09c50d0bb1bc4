// src/validation on its own: the DRF CharField rules driven by a TypeBox schema,
// for the routes that will reuse it.
import t from 'tap'
import { Type } from '@sinclair/typebox'
import { validateFields } from '../../src/validation/index.js'
import { RegisterBody } from '../../schemas/account.js'

const schema = Type.Object({
  name: Type.String({ 'x-trim': true, minLength: 3, maxLength: 5 }),
  note: Type.Optional(Type.String()),
  code: Type.String({ pattern: '^[A-Z]+$' })
})

t.test('required, optional, blank allowed, min and max length, default pattern message', async (t) => {
  t.same(await validateFields(schema, {}), { ok: false, errors: { name: ['This field is required.'], code: ['This field is required.'] } })
  t.same(await validateFields(schema, { name: ' abc ', note: '', code: 'XY' }), { ok: true, values: { name: 'abc', note: '', code: 'XY' } })
  t.same(await validateFields(schema, { name: 'ab', code: 'xy' }),
    { ok: false, errors: { name: ['Ensure this field has at least 3 characters.'], code: ['Enter a valid value.'] } })
  t.same(await validateFields(schema, { name: 'abcdef', code: 'X', note: null }),
    { ok: false, errors: { name: ['Ensure this field has no more than 5 characters.'], note: ['This field may not be null.'] } })
  t.same(await validateFields(schema, { name: 'abc', code: 'X', note: undefined }), { ok: true, values: { name: 'abc', code: 'X' } }, 'undefined is absent')
})

t.test("Python's whitespace is trimmed, not more", async (t) => {
  const ok = async (name: string) => {
    const outcome = await validateFields(schema, { name, code: 'X' })
    return outcome.ok ? outcome.values.name : outcome.errors
  }
  t.equal(await ok('\u3000abc\u00a0\x1c'), 'abc', 'ideographic space, no-break space, file separator')
  t.equal(await ok('\ufeffab'), '\ufeffab', 'a BOM is not whitespace to Python')
})

t.test('extra checks run only on fields that passed, and their messages take field order', async (t) => {
  const seen: string[] = []
  const checks = {
    username: async (value: string) => { seen.push(value); return 'taken' },
    email: async (value: string) => { seen.push(value); return undefined }
  }
  const outcome = await validateFields(RegisterBody, { password: 'x'.repeat(200), email: 'bad', username: 'Ｂｏｂ' }, checks)
  t.same(outcome, { ok: false, errors: { username: ['taken'], email: ['Enter a valid email address.'], password: ['Ensure this field has no more than 128 characters.'] } })
  t.same(Object.keys((outcome as { errors: object }).errors), ['username', 'email', 'password'])
  t.same(seen, ['Bob'], 'the check saw the normalised username; the invalid email was not checked')
})

t.test('lone surrogates are reported, not normalised into something else', async (t) => {
  t.same(await validateFields(RegisterBody, { username: 'a\udc00', email: 'a@b.cd', password: 'x' }), {
    ok: false,
    errors: { username: ['Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.', 'Surrogate characters are not allowed: U+DC00.'] }
  })
})
