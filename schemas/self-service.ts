// Account self-service: the caller's account, deleting it, changing the password.
import { Type } from '@sinclair/typebox'
import { Password } from './account.js'
import { TextField } from './common.js'

export const AccountDetails = Type.Object({
  id: Type.Integer({ examples: [18] }),
  username: Type.String({ examples: ['test'] }),
  email: Type.String({ examples: ['test@test.com'] }),
  created: Type.String({ description: 'When the account was made: UTC, ISO 8601 with six fractional digits.', examples: ['2021-01-06T17:46:41.006000Z'] })
}, { title: 'AccountDetails' })

export const DeleteAccountBody = Type.Object({
  password: TextField({ description: 'The current password, taken exactly as sent.', examples: ['test'] })
}, { title: 'DeleteAccountBody' })

export const PasswordChangeBody = Type.Object({
  old_password: TextField({ description: 'The current password, taken exactly as sent.', examples: ['test'] }),
  new_password: Password
}, { title: 'PasswordChangeBody' })
