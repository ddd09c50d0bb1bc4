#!/usr/bin/env node
// Validates the shipped default catalogue (data/anime-offline-database.json).
// Plain Node 20 ESM, no dependencies. Exits non-zero on any problem.
//
// Usage: node scripts/check-default-catalogue.mjs [path/to/catalogue.json]

import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const file = resolve(process.argv[2] ?? resolve(here, '..', 'data', 'anime-offline-database.json'))

const MIN_ENTRIES = 140
const TOP_LEVEL_KEYS = ['$schema', 'license', 'repository', 'scoreRange', 'lastUpdate', 'data']
const RECORD_KEYS = [
  'sources', 'title', 'type', 'episodes', 'status', 'animeSeason', 'picture', 'thumbnail',
  'duration', 'score', 'synonyms', 'studios', 'producers', 'relatedAnime', 'tags',
]
const TYPES = new Set(['TV', 'MOVIE', 'OVA', 'ONA', 'SPECIAL', 'UNKNOWN'])
const STATUSES = new Set(['FINISHED', 'ONGOING', 'UPCOMING', 'UNKNOWN'])
const SEASONS = new Set(['SPRING', 'SUMMER', 'FALL', 'WINTER', 'UNDEFINED'])
const NO_PIC = 'https://raw.githubusercontent.com/manami-project/anime-offline-database/master/pics/no_pic.png'
const NO_THUMB = 'https://raw.githubusercontent.com/manami-project/anime-offline-database/master/pics/no_pic_thumbnail.png'

const REQUIRED = [
  {
    firstSource: 'https://anidb.net/anime/10401',
    mal: 'https://myanimelist.net/anime/22319',
    title: 'Tokyo Ghoul',
    type: 'TV',
    episodes: 12,
    status: 'FINISHED',
    animeSeason: { season: 'SUMMER', year: 2014 },
    picture: 'https://cdn.myanimelist.net/images/anime/5/64449.jpg',
    thumbnail: 'https://cdn.myanimelist.net/images/anime/5/64449t.jpg',
    tags: ['action', 'crime', 'dark fantasy', 'drama', 'gore', 'horror', 'human experimentation',
      'male protagonist', 'mystery', 'police', 'psychological', 'seinen', 'supernatural', 'survival',
      'tragedy', 'violence'],
  },
  {
    firstSource: 'https://anidb.net/anime/9903',
    mal: 'https://myanimelist.net/anime/18897',
    title: 'Nisekoi',
    type: 'TV',
    episodes: 20,
    status: 'FINISHED',
    animeSeason: { season: 'WINTER', year: 2014 },
    picture: 'https://cdn.myanimelist.net/images/anime/13/75587.jpg',
    thumbnail: 'https://cdn.myanimelist.net/images/anime/13/75587t.jpg',
    tags: ['comedy', 'female protagonist', 'gangs', 'harem', 'love polygon', 'love triangle', 'mafia',
      'male protagonist', 'romance', 'romantic comedy', 'school', 'school life', 'shounen', 'slice of life'],
  },
]

const problems = []
const fail = (where, msg) => problems.push(`${where}: ${msg}`)

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
const isStr = (v) => typeof v === 'string'
const isNonEmptyStr = (v) => isStr(v) && v.trim().length > 0
const isInt = (v) => Number.isInteger(v)
const isNum = (v) => typeof v === 'number' && Number.isFinite(v)
const sameKeys = (obj, keys) => {
  const actual = Object.keys(obj)
  return actual.length === keys.length && actual.every((k, i) => k === keys[i])
}
const isHttpsUrl = (v) => {
  if (!isStr(v)) return false
  try { return new URL(v).protocol === 'https:' } catch { return false }
}
const isSortedUnique = (arr) => arr.every((v, i) => i === 0 || arr[i - 1] < v)
const isStrArray = (v) => Array.isArray(v) && v.every(isStr)
const decimals = (n) => (String(n).split('.')[1] ?? '').length

let root
try {
  root = JSON.parse(readFileSync(file, 'utf8'))
} catch (err) {
  console.error(`FAIL: cannot read/parse ${file}: ${err.message}`)
  process.exit(1)
}

// ---- top level ----
if (!isObj(root)) {
  console.error('FAIL: root is not an object')
  process.exit(1)
}
if (!sameKeys(root, TOP_LEVEL_KEYS)) {
  fail('root', `keys must be exactly [${TOP_LEVEL_KEYS.join(', ')}] in order, got [${Object.keys(root).join(', ')}]`)
}
if (!isHttpsUrl(root.$schema)) fail('root.$schema', 'must be an https URL')
if (!isObj(root.license) || !isNonEmptyStr(root.license.name) || !isHttpsUrl(root.license.url)) {
  fail('root.license', 'must be {name: string, url: https URL}')
}
if (root.repository !== 'https://github.com/manami-project/anime-offline-database') {
  fail('root.repository', 'must be the anime-offline-database repository URL')
}
if (!isObj(root.scoreRange) || root.scoreRange.minInclusive !== 1 || root.scoreRange.maxInclusive !== 10) {
  fail('root.scoreRange', 'must be {minInclusive: 1.0, maxInclusive: 10.0}')
}
if (!isStr(root.lastUpdate) || !/^\d{4}-\d{2}-\d{2}$/.test(root.lastUpdate) || Number.isNaN(Date.parse(root.lastUpdate))) {
  fail('root.lastUpdate', 'must be a YYYY-MM-DD date')
}
const data = Array.isArray(root.data) ? root.data : []
if (!Array.isArray(root.data)) fail('root.data', 'must be an array')
if (data.length < MIN_ENTRIES) fail('root.data', `must contain at least ${MIN_ENTRIES} entries, has ${data.length}`)

// ---- records ----
const sourceOwner = new Map() // source url -> title
const titleOwner = new Map()
const counts = { type: {}, status: {}, tags: {} }
let minYear = Infinity
let maxYear = -Infinity

data.forEach((rec, i) => {
  const where = `data[${i}]${rec && isStr(rec.title) ? ` (${rec.title})` : ''}`
  if (!isObj(rec)) { fail(where, 'record is not an object'); return }
  if (!sameKeys(rec, RECORD_KEYS)) {
    fail(where, `keys must be exactly [${RECORD_KEYS.join(', ')}] in order, got [${Object.keys(rec).join(', ')}]`)
  }

  // sources
  if (!isStrArray(rec.sources) || rec.sources.length === 0) {
    fail(where, 'sources must be a non-empty string array')
  } else {
    rec.sources.forEach((s) => { if (!isHttpsUrl(s)) fail(where, `source is not an https URL: ${s}`) })
    if (!isSortedUnique(rec.sources)) fail(where, 'sources must be sorted ascending and unique')
    if (!rec.sources.some((s) => /^https:\/\/anidb\.net\/anime\/\d+$/.test(s))) fail(where, 'missing anidb.net source')
    if (!rec.sources.some((s) => /^https:\/\/myanimelist\.net\/anime\/\d+$/.test(s))) fail(where, 'missing myanimelist.net source')
    if (!/^https:\/\/anidb\.net\/anime\/\d+$/.test(rec.sources[0])) fail(where, 'first source must be the anidb.net URL')
    const perSite = {}
    rec.sources.forEach((s) => {
      const host = new URL(s).host
      perSite[host] = (perSite[host] ?? 0) + 1
      if (sourceOwner.has(s)) fail(where, `source ${s} already used by "${sourceOwner.get(s)}"`)
      else sourceOwner.set(s, rec.title)
    })
    Object.entries(perSite).forEach(([host, n]) => { if (n > 1) fail(where, `more than one source from ${host}`) })
  }

  // title
  if (!isNonEmptyStr(rec.title)) fail(where, 'title must be a non-empty string')
  else if (titleOwner.has(rec.title)) fail(where, `duplicate title "${rec.title}"`)
  else titleOwner.set(rec.title, i)

  // enums and numbers
  if (!TYPES.has(rec.type)) fail(where, `invalid type ${JSON.stringify(rec.type)}`)
  else counts.type[rec.type] = (counts.type[rec.type] ?? 0) + 1
  if (!isInt(rec.episodes) || rec.episodes < 0) fail(where, 'episodes must be a non-negative integer')
  if (!STATUSES.has(rec.status)) fail(where, `invalid status ${JSON.stringify(rec.status)}`)
  else counts.status[rec.status] = (counts.status[rec.status] ?? 0) + 1

  const season = rec.animeSeason
  if (!isObj(season) || !sameKeys(season, ['season', 'year'])) fail(where, 'animeSeason must be {season, year}')
  else {
    if (!SEASONS.has(season.season)) fail(where, `invalid animeSeason.season ${JSON.stringify(season.season)}`)
    if (!isInt(season.year) || season.year < 1900 || season.year > 2100) fail(where, 'animeSeason.year must be a plausible integer year')
    else { minYear = Math.min(minYear, season.year); maxYear = Math.max(maxYear, season.year) }
  }

  // pictures
  if (!isHttpsUrl(rec.picture)) fail(where, 'picture must be an https URL')
  if (!isHttpsUrl(rec.thumbnail)) fail(where, 'thumbnail must be an https URL')
  if (isStr(rec.picture) && isStr(rec.thumbnail)) {
    const cdn = /^https:\/\/cdn\.myanimelist\.net\/images\/anime\/\d+\/\d+\.jpg$/
    if (rec.picture === NO_PIC) {
      if (rec.thumbnail !== NO_THUMB) fail(where, 'placeholder picture must pair with placeholder thumbnail')
    } else if (!cdn.test(rec.picture)) {
      fail(where, `picture is neither a MAL CDN URL nor the placeholder: ${rec.picture}`)
    } else if (rec.thumbnail !== rec.picture.replace(/\.jpg$/, 't.jpg')) {
      fail(where, 'thumbnail must be the "t.jpg" variant of picture')
    }
  }

  // duration
  const d = rec.duration
  if (!isObj(d) || !sameKeys(d, ['value', 'unit']) || !isInt(d.value) || d.value <= 0 || d.unit !== 'SECONDS') {
    fail(where, 'duration must be {value: positive integer, unit: "SECONDS"}')
  }

  // score
  const sc = rec.score
  const scoreKeys = ['arithmeticGeometricMean', 'arithmeticMean', 'median']
  if (!isObj(sc) || !sameKeys(sc, scoreKeys)) fail(where, `score must have keys [${scoreKeys.join(', ')}]`)
  else {
    scoreKeys.forEach((k) => {
      if (!isNum(sc[k]) || sc[k] < 1 || sc[k] > 10) fail(where, `score.${k} must be a number in [1, 10]`)
      else if (decimals(sc[k]) > 2) fail(where, `score.${k} must have at most 2 decimals`)
    })
  }

  // string arrays
  ['synonyms', 'studios', 'producers', 'relatedAnime', 'tags'].forEach((k) => {
    if (!isStrArray(rec[k])) fail(where, `${k} must be an array of strings`)
  })
  if (isStrArray(rec.synonyms)) {
    if (new Set(rec.synonyms).size !== rec.synonyms.length) fail(where, 'synonyms must be unique')
    if (rec.synonyms.some((s) => !isNonEmptyStr(s))) fail(where, 'synonyms must be non-empty strings')
  }
  ['studios', 'producers'].forEach((k) => {
    if (!isStrArray(rec[k])) return
    rec[k].forEach((s) => { if (!isNonEmptyStr(s) || s !== s.toLowerCase()) fail(where, `${k} entry must be lowercase: ${s}`) })
    if (new Set(rec[k]).size !== rec[k].length) fail(where, `${k} must be unique`)
  })
  if (isStrArray(rec.relatedAnime)) {
    rec.relatedAnime.forEach((s) => { if (!isHttpsUrl(s)) fail(where, `relatedAnime entry is not an https URL: ${s}`) })
    if (!isSortedUnique(rec.relatedAnime)) fail(where, 'relatedAnime must be sorted ascending and unique')
    if (isStrArray(rec.sources) && rec.relatedAnime.some((s) => rec.sources.includes(s))) fail(where, 'relatedAnime must not point at the entry itself')
  }
  if (isStrArray(rec.tags)) {
    if (rec.tags.length === 0) fail(where, 'tags must not be empty')
    rec.tags.forEach((t) => {
      if (!isNonEmptyStr(t) || t !== t.toLowerCase()) fail(where, `tag must be lowercase: ${t}`)
      counts.tags[t] = (counts.tags[t] ?? 0) + 1
    })
    if (!isSortedUnique(rec.tags)) fail(where, 'tags must be sorted ascending and unique')
  }
})

// ---- required entries, exact values ----
for (const req of REQUIRED) {
  const matches = data.filter((r) => isObj(r) && Array.isArray(r.sources) && r.sources[0] === req.firstSource)
  const where = `required "${req.title}"`
  if (matches.length !== 1) { fail(where, `expected exactly one entry whose first source is ${req.firstSource}, found ${matches.length}`); continue }
  const r = matches[0]
  if (!r.sources.includes(req.mal)) fail(where, `missing source ${req.mal}`);
  ['title', 'type', 'episodes', 'status', 'picture', 'thumbnail'].forEach((k) => {
    if (r[k] !== req[k]) fail(where, `${k} must be ${JSON.stringify(req[k])}, got ${JSON.stringify(r[k])}`)
  })
  if (!isObj(r.animeSeason) || r.animeSeason.season !== req.animeSeason.season || r.animeSeason.year !== req.animeSeason.year) {
    fail(where, `animeSeason must be ${JSON.stringify(req.animeSeason)}, got ${JSON.stringify(r.animeSeason)}`)
  }
  if (JSON.stringify(r.tags) !== JSON.stringify(req.tags)) {
    fail(where, `tags must be exactly ${JSON.stringify(req.tags)}, got ${JSON.stringify(r.tags)}`)
  }
}

// ---- summary ----
const relatedInFile = data.reduce((n, r) => n + (Array.isArray(r?.relatedAnime) && r.relatedAnime.some((u) => sourceOwner.has(u)) ? 1 : 0), 0)
const topTags = Object.entries(counts.tags).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 8)
  .map(([t, n]) => `${t}=${n}`).join(', ')
console.log(`catalogue: ${file}`)
console.log(`entries: ${data.length} (minimum ${MIN_ENTRIES}), lastUpdate ${root.lastUpdate}`)
console.log(`types: ${JSON.stringify(counts.type)}`)
console.log(`statuses: ${JSON.stringify(counts.status)}`)
console.log(`years: ${minYear}-${maxYear}, distinct tags: ${Object.keys(counts.tags).length}, top tags: ${topTags}`)
console.log(`entries with relatedAnime pointing at other entries in the file: ${relatedInFile}`)

if (problems.length > 0) {
  console.error(`\nFAIL: ${problems.length} problem(s):`)
  problems.slice(0, 200).forEach((p) => console.error(`  - ${p}`))
  if (problems.length > 200) console.error(`  ... and ${problems.length - 200} more`)
  process.exit(1)
}
console.log('OK: default catalogue is valid')
