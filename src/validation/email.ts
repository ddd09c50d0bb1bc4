// Django's EmailValidator (3.2), which decided what the old service took for an
// email address: a dot-atom or quoted local part; a domain of DNS labels, an
// IDN domain that converts to one, `localhost`, or an IP literal in brackets.
import { isIP } from 'node:net'
import { domainToASCII } from 'node:url'

const userPattern = new RegExp(
  "^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*$" +
  '|^"([\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f!#-\\[\\]-\\x7f]|\\\\[\\x01-\\x09\\x0b\\x0c\\x0e-\\x7f])*"$',
  'i'
)
const domainPattern = /^((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{2,63}(?<!-))$/i
const literalPattern = /^\[([A-F0-9:.]+)\]$/i

function validDomain (domain: string): boolean {
  if (domainPattern.test(domain)) return true
  const literal = literalPattern.exec(domain)
  return literal !== null && isIP(literal[1]!) !== 0
}

export function isValidEmail (value: string): boolean {
  const at = value.lastIndexOf('@')
  if (at < 0) return false
  const user = value.slice(0, at)
  const domain = value.slice(at + 1)
  if (!userPattern.test(user)) return false
  if (domain === 'localhost' || validDomain(domain)) return true
  // A possible IDN domain: valid if its punycode form is.
  const ascii = domainToASCII(domain)
  return ascii !== '' && ascii !== domain && validDomain(ascii)
}
