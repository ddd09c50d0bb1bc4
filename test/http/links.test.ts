// Paging links as DRF wrote them: the parameters sorted by name and encoded
// as Python's quote_plus does (letters, digits and `_.-~` as they are).
import t from 'tap'
import { withQueryParam } from '../../src/http/links.js'

/** Python's urllib.parse.quote_plus, written out the long way. */
const quotePlus = (text: string): string => encodeURIComponent(text)
  .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  .replace(/%20/g, '+')

t.test('values are encoded as quote_plus encodes them, plain ones as they are', async (t) => {
  const cases: Array<[string, string]> = [
    ['academy', 'academy'],
    ['Season_2.5~x-y', 'Season_2.5~x-y'],
    ['season 2', 'season+2'],
    ["a!b*c'd(e)f", 'a%21b%2Ac%27d%28e%29f'],
    ['星', '%E6%98%9F'],
    ['x+y&z=w', 'x%2By%26z%3Dw'],
    ['', '']
  ]
  for (const [value, encoded] of cases) {
    t.equal(withQueryParam(`http://h/anime/search?q=${encodeURIComponent(value)}`, 'page', '2'), `http://h/anime/search?page=2&q=${encoded}`, JSON.stringify(value))
  }
})

t.test('any text: the same as quote_plus', async (t) => {
  const alphabet = "aZ09_.~-!*'() +&=/?#%星é\u00a0"
  let seed = 7
  const next = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed }
  for (let i = 0; i < 300; i++) {
    const value = Array.from({ length: next() % 8 }, () => alphabet[next() % alphabet.length]).join('')
    const name = i % 2 === 0 ? 'q' : 'tag name'
    t.equal(withQueryParam(`http://h/p?${encodeURIComponent(name)}=${encodeURIComponent(value)}`, 'page', null),
      `http://h/p?${quotePlus(name)}=${quotePlus(value)}`, JSON.stringify([name, value]))
  }
})
