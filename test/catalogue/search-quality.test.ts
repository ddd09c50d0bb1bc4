// Issue 4's search-quality list, on the shipped default catalogue (data/anime-offline-database.json).
import t from 'tap'
import { buildApp } from '../helpers/app.js'

interface Seed { id: number, title: string }

t.test('search quality on the default catalogue', async (t) => {
  const api = await buildApp(t)
  const titles = async (q: string, extra = ''): Promise<string[]> => {
    const res = await api.inject(`/anime/search?q=${encodeURIComponent(q)}${extra}`)
    t.equal(res.statusCode, 200, q)
    return (res.json().results as Seed[]).map((e) => e.title)
  }

  t.equal((await titles('tokyo ghoul'))[0], 'Tokyo Ghoul', '`tokyo ghoul` ranks Tokyo Ghoul first')
  t.equal((await titles('Tokyo Ghoul'))[0], 'Tokyo Ghoul', 'case-insensitive')
  t.ok((await titles('toky')).includes('Tokyo Ghoul'), '`toky` (a word prefix, while typing) finds it')
  t.equal((await titles('tokyo gh'))[0], 'Tokyo Ghoul', 'every word a prefix')
  t.equal((await titles('attack on titan'))[0], 'Shingeki no Kyojin', 'an English synonym finds the Japanese main title')
  t.ok((await titles('pokemon')).includes('Pokémon'), '`pokemon` finds Pokémon (diacritics-insensitive)')
  t.ok((await titles('POKÉMON')).includes('Pokémon'), 'and the other way round')
  t.ok((await titles('tokyo ghuol')).slice(0, 3).includes('Tokyo Ghoul'), '`tokyo ghuol` (one typo) has Tokyo Ghoul in the first three')
  t.ok((await titles('shingeki no kyoijn')).slice(0, 3).includes('Shingeki no Kyojin'), 'a transposition in another word')
  t.ok((await titles('fullmetal alchemst')).slice(0, 3).includes('Fullmetal Alchemist'), 'a missing letter')
  t.equal((await titles('東京喰種'))[0], 'Tokyo Ghoul', 'a Japanese-script synonym finds its entry')
  t.ok((await titles('進撃の巨人')).includes('Shingeki no Kyojin'), 'another Japanese synonym')
  t.ok((await titles('の巨人')).includes('Shingeki no Kyojin'), 'a piece of a Japanese synonym (substring)')
  t.same(await titles('zzzzqqqq'), [], 'nonsense finds nothing')

  const filtered = await titles('tokyo ghoul', '&year_min=2015&page_size=100')
  t.notOk(filtered.includes('Tokyo Ghoul'), 'filters apply to text matches')
  t.ok(filtered.includes('Tokyo Ghoul √A'))
})

t.test('similar on the default catalogue: the franchise first, marked related', async (t) => {
  const api = await buildApp(t)
  const ghoul = ((await api.inject('/anime/search?q=tokyo+ghoul')).json().results as Seed[])[0]!
  const body = (await api.inject(`/anime/entry/${ghoul.id}/similar`)).json()
  const top = body.results.slice(0, 2).map((r: { anime: Seed, related: boolean }) => [r.anime.title, r.related])
  t.same(top.map((x: [string, boolean]) => x[1]), [true, true], 'sequels first')
  t.ok(top.every((x: [string, boolean]) => x[0].startsWith('Tokyo Ghoul')), 'they are Tokyo Ghoul sequels')
  const details = (await api.inject(`/anime/entry/${ghoul.id}/details`)).json()
  t.ok(details.synonyms.includes('東京喰種'))
  t.ok(details.related.some((r: { id: number | null }) => r.id !== null), 'related anime in the catalogue carry our id')
})

t.test('relevance pages read only the best rows of each tier, with the same result as reading all', async (t) => {
  const api = await buildApp(t)
  for (const q of ['a', 'no', 'tokyo', 'ghuol', 'kimetsu no yaiba', '東京', 'の', 'shin']) {
    for (const [page, size] of [[1, 3], [2, 3], [1, 20], [3, 5]] as const) {
      const url = `/anime/search?q=${encodeURIComponent(q)}&page=${page}&page_size=${size}`
      const fast = await api.inject(url)
      // episodes_min=0 matches every entry but makes it a filtered search, which ranks every match.
      const full = await api.inject(`${url}&episodes_min=0`)
      // The same page (its results and count), or the same 404 past the last page.
      const view = (res: typeof fast) => res.statusCode === 200 ? { status: 200, results: res.json().results, count: res.json().count } : { status: res.statusCode, body: res.json() }
      t.same(view(fast), view(full), url)
    }
  }
})
