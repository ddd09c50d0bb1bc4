// Source URLs read as (site, id): every site of the table, the URL forms AOD has
// used, and what is no anime page of a known site.
import t from 'tap'
import { parseSourceUrl, siteIdKey, siteNamed, siteNames, siteTable, sitesOf, sourceUrl } from '../../src/catalogue/sites.js'

const samples = { number: 22319, slug: 'tokyo-ghoul' } as const

t.test('each site: its page URL reads back as (site, id), in the form the site writes ids', async (t) => {
  t.same(Object.keys(siteTable), [...siteNames].sort(), 'the table lists every site, in name order')
  for (const name of siteNames) {
    const site = siteTable[name]
    const id = samples[site.ids]
    const url = sourceUrl(name, id)
    t.equal(url, site.pattern.replace('{id}', String(id)))
    t.same(parseSourceUrl(url), { site: name, id }, url)
    t.same(parseSourceUrl(url.replace('https://', 'http://')), { site: name, id }, 'http')
    t.same(parseSourceUrl(url.replace('https://', 'https://www.')), { site: name, id }, 'www.')
    t.same(parseSourceUrl(`${url}/`), { site: name, id }, 'a trailing slash')
    t.same(parseSourceUrl(url.replace('https://', 'HTTPS://').replace(site.hosts[0]!, site.hosts[0]!.toUpperCase())), { site: name, id }, 'host case')
    t.equal(siteNamed(name), site)
    t.equal(siteNamed(name.toUpperCase()), site, 'names are case-insensitive')
    for (const host of site.hosts) t.same(parseSourceUrl(url.replace(site.hosts[0]!, host)), { site: name, id }, host)
  }
})

t.test('URL forms of older AOD files', async (t) => {
  t.same(parseSourceUrl('https://kitsu.io/anime/1376'), { site: 'kitsu', id: 1376 })
  t.same(parseSourceUrl('https://anidb.net/a4563'), { site: 'anidb', id: 4563 })
  t.same(parseSourceUrl('https://www.animenewsnetwork.com/encyclopedia/anime.php?id=6592'), { site: 'animenewsnetwork', id: 6592 })
  t.same(parseSourceUrl('https://notify.moe/anime/0-A-5Fimg'), { site: 'notify', id: '0-A-5Fimg' }, 'notify ids are case-sensitive slugs')
})

t.test('not an anime page of a known site: null', async (t) => {
  for (const url of [
    '', 'anidb.net/anime/1', 'ftp://anidb.net/anime/1', 'https://example.com/anime/1', 'https://anidb.net', 'https://anidb.net/',
    'https://anidb.net/anime/', 'https://anidb.net/anime/abc', 'https://anidb.net/anime/0', 'https://anidb.net/anime/012',
    'https://anidb.net/anime/1.5', 'https://anidb.net/anime/-3', 'https://anidb.net/anime/99999999999999999',
    'https://anidb.net/manga/1', 'https://anidb.net/anime/1/2', 'https://anidb.net/anime/1?x=2', 'https://myanimelist.net/anime/1#top',
    'https://anime-planet.com/anime/', 'https://anime-planet.com/anime/a/b', 'https://anime-planet.com/manga/naruto',
    'https://animenewsnetwork.com/encyclopedia/manga.php?id=5', 'https://animenewsnetwork.com/encyclopedia/anime.php?id=x',
    'https://notanidb.net/anime/1', 'https://anidb.net.example.com/anime/1', 'https://user@anidb.net/anime/1'
  ]) t.equal(parseSourceUrl(url), null, JSON.stringify(url))
})

t.test('lookup keys: what a request may give for each kind of site', async (t) => {
  t.equal(siteIdKey('myanimelist', 22319), '22319')
  t.equal(siteIdKey('myanimelist', '22319'), '22319')
  t.equal(siteIdKey('myanimelist', ' 022319 '), '22319', 'spaces and leading zeros go')
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 60, '', ' ', 'abc', '12a', '1e3', '0', null, undefined, true, [1], { id: 1 }]) {
    t.equal(siteIdKey('myanimelist', bad), null, `numbered: ${JSON.stringify(bad)}`)
  }
  t.equal(siteIdKey('animeplanet', 'Tokyo-Ghoul'), 'tokyo-ghoul', 'anime-planet slugs are lower case')
  t.equal(siteIdKey('notify', 'Bb0-A-5Fimg'), 'Bb0-A-5Fimg', 'other slugs exactly')
  t.equal(siteIdKey('notify', 123), '123', 'a number is its text')
  for (const bad of ['', 'a/b', 'a b', 'a?b', null, true, ['x'], { id: 'x' }]) t.equal(siteIdKey('animeplanet', bad), null, `slug: ${JSON.stringify(bad)}`)
  // The key of a parsed URL is the key of the id as a request gives it.
  for (const name of siteNames) {
    const parsed = parseSourceUrl(sourceUrl(name, samples[siteTable[name].ids]))!
    t.equal(siteIdKey(name, parsed.id), siteIdKey(name, String(parsed.id)), name)
  }
})

t.test('sitesOf: every known site once, in name order; the lowest id where an entry has several', async (t) => {
  t.same(sitesOf([
    'https://myanimelist.net/anime/22319',
    'https://anidb.net/anime/10401',
    'https://anidb.net/anime/9',
    'https://example.com/anime/1',
    'https://anime-planet.com/anime/tokyo-ghoul',
    'https://anime-planet.com/anime/tokyo-ghoul-a',
    'https://kitsu.io/anime/8271',
    'https://kitsu.app/anime/8271'
  ]), { anidb: 9, animeplanet: 'tokyo-ghoul', kitsu: 8271, myanimelist: 22319 })
  t.same(Object.keys(sitesOf(siteNames.map((name) => sourceUrl(name, samples[siteTable[name].ids])).reverse())), [...siteNames])
  t.same(sitesOf([]), {})
})
