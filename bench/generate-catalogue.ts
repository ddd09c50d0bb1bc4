// Writes a deterministic, realistic anime-offline-database catalogue for the
// benchmarks and the soak test: the same seed and size give the same bytes.
//
//   node --import tsx bench/generate-catalogue.ts [--count 40000] [--seed 1] [--revision 1] [--out bench/out]
//
// Each record looks like a real AOD record: 2–6 sorted source URLs on the real
// providers (with ids from GENERATED_ID_BASE up, a range no provider has reached,
// and slugs starting `generated-`, so importing a generated file next to a real
// catalogue can never take over a real entry's id), titles of realistic lengths (romaji words, sequels, subtitles),
// synonyms (some in Japanese script), 5–25 tags drawn from a few hundred with a
// Zipf-like long tail, years weighted to recent ones, types, statuses, scores,
// studios, and `relatedAnime` links inside franchises. `revision` > 1 makes a
// later edition of the same catalogue (a few entries gone, a few new, every
// picture URL marked with the revision) for import-while-serving tests.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** sfc32: a small, fast, seedable PRNG with a good distribution. */
export function prng (seed: number): () => number {
  let a = 0x9e3779b9 ^ seed
  let b = 0x243f6a88 ^ (seed * 31)
  let c = 0xb7e15162
  let d = 1
  const next = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0
    const t = (a + b + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t / 4294967296
  }
  for (let i = 0; i < 20; i++) next()
  return next
}

const baseTags = [
  'male protagonist', 'drama', 'action', 'comedy', 'sci-fi', 'adventure', 'romance', 'shounen', 'fantasy', 'female protagonist',
  'supernatural', 'military', 'school', 'original work', 'mecha', 'seinen', 'mystery', 'slice of life', 'psychological', 'super power',
  'based on a manga', 'based on a novel', 'based on a light novel', 'space', 'gore', 'tragedy', 'war', 'historical', 'police',
  'martial arts', 'coming of age', 'cyberpunk', 'horror', 'violence', 'harem', 'dark fantasy', 'shoujo', 'love triangle', 'magic',
  'parody', 'school club', 'sports', 'ecchi', 'music', 'psychic powers', 'crime', 'award winning', 'androids', 'aliens',
  'post-apocalyptic', 'demons', 'vampires', 'kids', 'thriller', 'space opera', 'gods', 'based on a visual novel', 'shinigami', 'game',
  'virtual world', 'isekai', 'cyborgs', 'friendship', 'samurai', 'spirits', 'avant garde', 'monsters', 'detective', 'family',
  'alchemy', 'swordplay', 'anti-hero', 'romantic comedy', 'survival', 'environmentalism', 'nature', 'apocalypse', 'space western',
  'trapped in a game', 'political', 'dystopia', 'steampunk', 'philosophy', 'tournament', 'medieval', 'magical girl',
  'cute girls doing cute things', 'video game', 'ninja', 'countryside', 'siblings', 'brothers', 'strategy', 'conspiracy',
  'love polygon', 'volleyball', 'superheroes', 'taisho era', 'assassins', 'girls with guns', 'idols', 'depression', 'bounty hunters',
  'jazz', 'noir', 'slapstick', 'bikers', 'angels', 'tennis', 'pirates', 'robots', 'alternate history', 'board game', 'ghosts',
  'reverse harem', 'witches', 'mercenaries', 'dementia', 'internet', 'long distance relationship', 'books', 'maids', 'child soldiers',
  'digital world', 'baseball', 'anthology', 'aviation', 'heist', 'thieves', 'recap', 'airships', 'world war ii', 'nostalgia',
  'shapeshifting', 'surreal', 'jungle', 'doctors', 'europe', 'serial killers', 'hip hop', 'cooking', 'american football', 'dolls',
  'hikikomori', 'mind games', 'super robot', 'gender bender', 'economics', 'wolf girl', 'time travel', 'curse', 'basketball', 'gangs',
  'mafia', 'school life', 'human experimentation', 'overpowered main character', 'body swap', 'time skip', 'revenge', 'vikings',
  'childcare', 'espionage', 'found family', 'elves', 'dragons', 'kaiju', 'yuri', 'yaoi', 'josei', 'iyashikei', 'workplace',
  'office lady', 'delinquents', 'boxing', 'soccer', 'swimming', 'cycling', 'racing', 'cars', 'trains', 'fishing', 'camping',
  'mahjong', 'shogi', 'go', 'card battle', 'gambling', 'rakugo', 'manzai', 'band', 'orchestra', 'dance', 'theatre', 'otaku culture',
  'chibi', 'episodic', 'short episodes', 'stop motion', 'cgi', 'rotoscoping', 'black and white', 'silent', 'educational',
  'advertisement', 'music video', 'promotional', 'mythology', 'reincarnation', 'summoned hero', 'demon lord', 'guilds', 'dungeon',
  'rpg', 'level up', 'slow life', 'farming', 'villainess', 'nobility', 'royalty', 'princess', 'knights', 'feudal japan', 'edo period',
  'meiji era', 'showa era', 'heian period', 'sengoku period', 'ancient china', 'wuxia', 'xianxia', 'donghua', 'korea', 'america',
  'france', 'germany', 'russia', 'underwater', 'desert', 'islands', 'mountains', 'snow', 'summer', 'festival', 'christmas',
  'new year', 'beach', 'hot springs', 'tokyo', 'kyoto', 'osaka', 'hokkaido', 'okinawa', 'high school', 'middle school',
  'elementary school', 'university', 'teacher', 'student council', 'transfer student', 'childhood friends', 'unrequited love',
  'first love', 'marriage', 'pregnancy', 'parenting', 'old age', 'death', 'grief', 'amnesia', 'split personality', 'bullying',
  'suicide', 'drugs', 'prostitution', 'terrorism', 'nuclear war', 'pandemic', 'zombies', 'werewolves', 'yokai', 'kitsune',
  'oni', 'tengu', 'cat girl', 'animal protagonist', 'talking animals', 'pets', 'cats', 'dogs', 'birds', 'dinosaurs', 'insects',
  'plants', 'food', 'sweets', 'cafe', 'restaurant', 'bar', 'hotel', 'hospital', 'prison', 'courtroom', 'lawyers', 'journalism',
  'photography', 'art', 'manga industry', 'anime industry', 'voice acting', 'fashion', 'modeling', 'cosplay', 'crossdressing',
  'lgbt', 'trans', 'disability', 'blindness', 'deafness', 'sign language', 'immortality', 'artificial intelligence', 'clones',
  'genetic engineering', 'nanotechnology', 'virtual reality', 'augmented reality', 'hackers', 'space colony', 'terraforming',
  'mars', 'moon', 'time loop', 'parallel universe', 'multiverse', 'pocket dimension', 'portal', 'teleportation', 'telepathy',
  'precognition', 'invisibility', 'elemental powers', 'fire', 'ice', 'lightning', 'wind', 'water', 'earth', 'light', 'darkness',
  'blood', 'bones', 'memory', 'dreams', 'nightmares', 'sleep', 'ghost story', 'urban legend', 'cryptids', 'ufos', 'conspiracy theory',
  'cults', 'religion', 'priests', 'nuns', 'shrine maidens', 'monks', 'temples', 'churches', 'exorcism', 'possession', 'sealing',
  'contracts', 'familiars', 'summoning', 'golems', 'automatons', 'clockwork', 'airship pirates', 'sky islands', 'floating city'
]

/** A few hundred tags, the common ones first: rank 1 is drawn most often. */
export const tagVocabulary: readonly string[] = baseTags

const syllables = [
  'a', 'i', 'u', 'e', 'o', 'ka', 'ki', 'ku', 'ke', 'ko', 'sa', 'shi', 'su', 'se', 'so', 'ta', 'chi', 'tsu', 'te', 'to',
  'na', 'ni', 'nu', 'ne', 'no', 'ha', 'hi', 'fu', 'he', 'ho', 'ma', 'mi', 'mu', 'me', 'mo', 'ya', 'yu', 'yo', 'ra', 'ri',
  'ru', 're', 'ro', 'wa', 'n', 'ga', 'gi', 'gu', 'ge', 'go', 'za', 'ji', 'zu', 'ze', 'zo', 'da', 'de', 'do', 'ba', 'bi',
  'bu', 'be', 'bo', 'pa', 'pi', 'pu', 'pe', 'po', 'kyo', 'sho', 'ryu', 'kou', 'sei', 'tou', 'shin', 'ken', 'kai'
]
const particles = ['no', 'wa', 'to', 'ga', 'ni', 'de', 'wo']
const englishWords = [
  'Academy', 'Legend', 'Chronicle', 'Hero', 'Sword', 'Star', 'Dream', 'Girl', 'Boy', 'World', 'Knight', 'Magic', 'Blade',
  'Dragon', 'Spirit', 'Shadow', 'Light', 'Heart', 'Soul', 'Storm', 'Moon', 'Sky', 'Ocean', 'Fire', 'Ice', 'Ghost', 'Angel',
  'Demon', 'Queen', 'King', 'Prince', 'Princess', 'Hunter', 'Saga', 'Story', 'Tale', 'Quest', 'Club', 'Days', 'Life', 'Love',
  'War', 'Memories', 'Promise', 'Tomorrow', 'Yesterday', 'Summer', 'Winter', 'Spring', 'Autumn', 'Night', 'Blue', 'Red',
  'Black', 'White', 'Silver', 'Golden', 'Crimson', 'Last', 'First', 'Final', 'Eternal', 'Secret', 'Lost', 'Brave', 'Little'
]
const katakana = 'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワンガギグゲゴザジズゼゾダデドバビブベボパピプペポー'
const kanji = '星界紋章戦旗東京喰種進撃巨人鋼錬金術師魔法少女剣風伝奇物語夢空海月光影心魂嵐炎氷幽霊天使悪王姫騎士竜学園恋愛日記時間旅行者'
const hiragana = 'あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん'
const studios = [
  'sunrise', 'bones', 'madhouse', 'production i.g', 'kyoto animation', 'toei animation', 'pierrot', 'a-1 pictures', 'shaft', 'wit studio',
  'mappa', 'ufotable', 'trigger', 'j.c.staff', 'olm', 'tms entertainment', 'gainax', 'white fox', 'p.a. works', 'david production',
  'silver link', 'doga kobo', 'lerche', 'brain\'s base', 'diomedea', 'feel', 'gonzo', 'xebec', 'zexcs', 'studio deen'
]
const producers = [
  'aniplex', 'bandai visual', 'dentsu', 'fuji tv', 'kadokawa', 'lantis', 'mainichi broadcasting', 'movic', 'pony canyon', 'shueisha',
  'sony music', 'tbs', 'toho', 'tokyo mx', 'avex pictures', 'frontier works', 'kodansha', 'square enix', 'nhk', 'at-x'
]
const types: Array<[string, number]> = [['TV', 0.36], ['MOVIE', 0.13], ['OVA', 0.14], ['ONA', 0.16], ['SPECIAL', 0.16], ['UNKNOWN', 0.05]]
const statuses: Array<[string, number]> = [['FINISHED', 0.9], ['ONGOING', 0.03], ['UPCOMING', 0.04], ['UNKNOWN', 0.03]]
const seasonNames = ['WINTER', 'SPRING', 'SUMMER', 'FALL', 'UNDEFINED']

/**
 * The first numeric id of generated sources: far above any real provider's ids,
 * so a generated record never shares a source URL with a real one.
 */
export const GENERATED_ID_BASE = 900_000_000

/** Files that mark a service's DATA_DIR: the generator never writes beside them. */
const dataDirFiles = ['catalogue.sqlite', 'accounts.sqlite']

export class DataDirError extends Error {
  override name = 'DataDirError'
}

export interface GenerateOptions {
  count: number
  seed: number
  /** 1: the catalogue; 2, 3 …: a later edition of it (see the file comment). */
  revision?: number
}

export interface AodDocumentMeta {
  $schema: string
  license: { name: string, url: string }
  repository: string
  scoreRange: { minInclusive: number, maxInclusive: number }
  lastUpdate: string
}

export const documentMeta = (revision = 1): AodDocumentMeta => ({
  $schema: 'https://raw.githubusercontent.com/manami-project/anime-offline-database/master/schemas/anime-offline-database.schema.json',
  license: {
    name: 'Open Data Commons Open Database License (ODbL) v1.0 + Database Contents License (DbCL) v1.0',
    url: 'https://github.com/manami-project/anime-offline-database/blob/master/LICENSE'
  },
  repository: 'https://github.com/manami-project/anime-offline-database',
  scoreRange: { minInclusive: 1, maxInclusive: 10 },
  lastUpdate: `2026-11-${String(10 + revision).padStart(2, '0')}`
})

/** A cumulative-weight table for drawing index i with probability ∝ 1 / (i + 1)^s. */
function zipfTable (size: number, s: number): Float64Array {
  const table = new Float64Array(size)
  let sum = 0
  for (let i = 0; i < size; i++) table[i] = (sum += 1 / Math.pow(i + 1, s))
  for (let i = 0; i < size; i++) table[i]! /= sum
  return table
}

function drawIndex (table: Float64Array, u: number): number {
  let lo = 0
  let hi = table.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (table[mid]! < u) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Which entry numbers (1-based, in generation order) a revision leaves out or adds. */
export function revisionPlan (count: number, revision: number): { removed: (n: number) => boolean, total: number } {
  if (revision <= 1) return { removed: () => false, total: count }
  // Every 97th entry disappears; 1% more entries appear at the end.
  return { removed: (n) => n % 97 === 0, total: count + Math.floor(count / 100) }
}

/** The records of the catalogue, in file order. */
export function * generateRecords (options: GenerateOptions): Generator<Record<string, unknown>> {
  const { count, seed } = options
  const revision = options.revision ?? 1
  const plan = revisionPlan(count, revision)
  const tagTable = zipfTable(tagVocabulary.length, 1.05)
  // Franchises: runs of 1–6 consecutive entries that link to each other.
  const franchiseRandom = prng(seed ^ 0x5eed)
  const franchiseStart: number[] = [] // entry n → first entry of its franchise
  const franchiseEnd: number[] = []
  for (let n = 1; n <= plan.total;) {
    const size = 1 + Math.floor(Math.pow(franchiseRandom(), 2.2) * 6)
    const end = Math.min(plan.total, n + size - 1)
    for (let k = n; k <= end; k++) { franchiseStart[k] = n; franchiseEnd[k] = end }
    n = end + 1
  }
  // Per-entry generators seeded by (seed, n): an entry looks the same in every revision.
  const sourcesOf = (n: number): string[] => {
    const r = prng(seed * 1_000_003 + n * 7)
    const id = GENERATED_ID_BASE + n
    const urls = [`https://anidb.net/anime/${id}`, `https://myanimelist.net/anime/${id}`]
    const extra: Array<() => string> = [
      () => `https://anilist.co/anime/${id}`,
      () => `https://kitsu.app/anime/${id}`,
      () => `https://anime-planet.com/anime/generated-${n}`,
      () => `https://livechart.me/anime/${id}`,
      () => `https://notify.moe/anime/generated-${(n * 2654435761 >>> 0).toString(36)}`,
      () => `https://simkl.com/anime/${id}`,
      () => `https://anisearch.com/anime/${id}`
    ]
    const wanted = Math.floor(r() * 5) // 2–6 URLs in all
    for (let k = 0; k < wanted; k++) {
      const pick = extra.splice(Math.floor(r() * extra.length), 1)[0]!
      urls.push(pick())
    }
    if (r() < 0.08) urls.shift() // some entries have no anidb page
    if (urls.length < 2) urls.push(`https://anilist.co/anime/${id}`)
    return urls.sort()
  }
  const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!
  const weighted = (r: () => number, list: Array<[string, number]>): string => {
    let u = r()
    for (const [value, weight] of list) { if ((u -= weight) < 0) return value }
    return list[list.length - 1]![0]
  }
  const romajiWord = (r: () => number): string => {
    let word = ''
    const length = 1 + Math.floor(r() * 4)
    for (let k = 0; k < length; k++) word += pick(r, syllables)
    return word[0]!.toUpperCase() + word.slice(1)
  }
  const japanese = (r: () => number, length: number): string => {
    let text = ''
    for (let k = 0; k < length; k++) {
      const u = r()
      text += u < 0.4 ? pick(r, [...kanji]) : u < 0.75 ? pick(r, [...katakana]) : pick(r, [...hiragana])
    }
    return text
  }
  const baseTitle = (r: () => number): string => {
    const words: string[] = []
    // Word counts with a long tail: most titles 2–5 words, a few very long light-novel titles.
    const length = r() < 0.07 ? 8 + Math.floor(r() * 14) : 1 + Math.floor(r() * 5)
    for (let k = 0; k < length; k++) {
      if (k > 0 && r() < 0.25) words.push(pick(r, particles))
      words.push(r() < 0.3 ? pick(r, englishWords) : romajiWord(r))
    }
    return words.join(' ')
  }

  for (let n = 1; n <= plan.total; n++) {
    if (plan.removed(n)) continue
    const r = prng(seed * 7_919 + n * 104_729)
    const franchise = franchiseStart[n]!
    const title0 = baseTitle(prng(seed * 7_919 + franchise * 104_729))
    const part = n - franchise
    let title = title0
    if (part > 0) {
      const u = r()
      title = u < 0.4 ? `${title0} ${part + 1}` : u < 0.7 ? `${title0} Season ${part + 1}` : u < 0.85 ? `${title0}: ${baseTitle(r)}` : `${title0} Movie ${part}`
    } else if (r() < 0.2) {
      title = `${title0}: ${baseTitle(r)}`
    }
    const type = weighted(r, types)
    const year = r() < 0.03 ? null : Math.min(2027, Math.round(2026 - Math.abs(gaussian(r)) * 14))
    const episodes = type === 'MOVIE' ? 1 : type === 'TV' ? pick(r, [12, 12, 13, 24, 25, 26, 50, 51, 64, 148]) : 1 + Math.floor(r() * 6)
    const synonyms: string[] = []
    const synonymCount = Math.floor(Math.pow(r(), 1.6) * 9)
    for (let k = 0; k < synonymCount; k++) {
      const u = r()
      synonyms.push(u < 0.35 ? japanese(r, 3 + Math.floor(r() * 10)) : u < 0.7 ? baseTitle(r) : `${pick(r, englishWords)} ${pick(r, englishWords)}`)
    }
    const tagCount = 5 + Math.floor(r() * 21)
    const tags = new Set<string>()
    while (tags.size < tagCount) tags.add(tagVocabulary[drawIndex(tagTable, r())]!)
    const related: string[] = []
    for (let k = franchise; k <= franchiseEnd[n]!; k++) {
      if (k !== n && !plan.removed(k)) related.push(...sourcesOf(k))
    }
    const hasScore = r() < 0.85
    const mean = 4 + r() * 5
    const malId = GENERATED_ID_BASE + n
    const picture = `https://cdn.myanimelist.net/images/anime/${1 + (malId % 13)}/${malId}.jpg`
    const record: Record<string, unknown> = {
      sources: sourcesOf(n),
      title,
      type,
      episodes,
      status: year !== null && year >= 2026 && r() < 0.5 ? pick(r, ['ONGOING', 'UPCOMING']) : weighted(r, statuses),
      animeSeason: { season: pick(r, seasonNames), ...(year === null ? {} : { year }) },
      picture: revision > 1 ? `${picture}?r=${revision}` : picture,
      thumbnail: `https://cdn.myanimelist.net/images/anime/${1 + (malId % 13)}/${malId}t.jpg`,
      duration: { value: type === 'MOVIE' ? 5400 + Math.floor(r() * 3600) : 1440, unit: 'SECONDS' },
      ...(hasScore ? { score: { arithmeticGeometricMean: round2(mean), arithmeticMean: round2(mean + 0.02), median: round2(mean + 0.05) } } : {}),
      synonyms,
      studios: r() < 0.8 ? [pick(r, studios)] : [],
      producers: Array.from({ length: Math.floor(r() * 4) }, () => pick(r, producers)),
      relatedAnime: related,
      tags: [...tags].sort()
    }
    yield record
  }
}

function gaussian (r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())
}

const round2 = (x: number): number => Math.round(x * 100) / 100

export interface GeneratedFiles { json: string, jsonl: string, records: number }

/** Writes the catalogue as `<name>.json` (pretty-printed, as the release file) and `<name>.jsonl`. */
export function writeCatalogue (outDir: string, options: GenerateOptions, name = defaultName(options)): GeneratedFiles {
  const marker = dataDirFiles.find((file) => fs.existsSync(path.join(outDir, file)))
  if (marker !== undefined) {
    throw new DataDirError(`${outDir} holds ${marker}: it is a service's DATA_DIR, and generated catalogues are written elsewhere (--out another directory)`)
  }
  fs.mkdirSync(outDir, { recursive: true })
  const json = path.join(outDir, `${name}.json`)
  const jsonl = path.join(outDir, `${name}.jsonl`)
  const meta = documentMeta(options.revision)
  const jsonFd = fs.openSync(json + '.part', 'w')
  const jsonlFd = fs.openSync(jsonl + '.part', 'w')
  let jsonBuffer: string[] = []
  let jsonlBuffer: string[] = []
  const flush = (): void => {
    fs.writeSync(jsonFd, jsonBuffer.join(''))
    fs.writeSync(jsonlFd, jsonlBuffer.join(''))
    jsonBuffer = []
    jsonlBuffer = []
  }
  const head = JSON.stringify(meta, null, 2)
  jsonBuffer.push(head.slice(0, -2), ',\n  "data": [')
  jsonlBuffer.push(JSON.stringify(meta), '\n')
  let records = 0
  for (const record of generateRecords(options)) {
    const pretty = JSON.stringify(record, null, 2).replace(/\n/g, '\n    ')
    jsonBuffer.push(records === 0 ? '\n    ' : ',\n    ', pretty)
    jsonlBuffer.push(JSON.stringify(record), '\n')
    if (++records % 1000 === 0) flush()
  }
  jsonBuffer.push('\n  ]\n}\n')
  flush()
  fs.closeSync(jsonFd)
  fs.closeSync(jsonlFd)
  fs.renameSync(json + '.part', json)
  fs.renameSync(jsonl + '.part', jsonl)
  return { json, jsonl, records }
}

/** Part of the cached files' names: bumped whenever the generator's output changes, so a stale cache is never reused. */
const GENERATOR_VERSION = 2

export const defaultName = (options: GenerateOptions): string =>
  `catalogue-g${GENERATOR_VERSION}-${options.count}-s${options.seed}${(options.revision ?? 1) > 1 ? `-r${options.revision}` : ''}`

/** Writes the files unless they are there already (they are deterministic). */
export function ensureCatalogue (outDir: string, options: GenerateOptions): GeneratedFiles & { generated: boolean } {
  const name = defaultName(options)
  const json = path.join(outDir, `${name}.json`)
  const jsonl = path.join(outDir, `${name}.jsonl`)
  if (fs.existsSync(json) && fs.existsSync(jsonl)) {
    return { json, jsonl, records: -1, generated: false }
  }
  return { ...writeCatalogue(outDir, options, name), generated: true }
}

export function argValue (argv: string[], name: string): string | undefined {
  const index = argv.indexOf(`--${name}`)
  return index >= 0 ? argv[index + 1] : undefined
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2)
  const options: GenerateOptions = {
    count: Number(argValue(argv, 'count') ?? 40_000),
    seed: Number(argValue(argv, 'seed') ?? 1),
    revision: Number(argValue(argv, 'revision') ?? 1)
  }
  const outDir = argValue(argv, 'out') ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'out')
  const started = performance.now()
  let files: GeneratedFiles
  try {
    files = writeCatalogue(outDir, options)
  } catch (error) {
    if (!(error instanceof DataDirError)) throw error
    console.error(`generate-catalogue: ${error.message}`)
    process.exit(2)
  }
  console.log(`${files.records} records in ${((performance.now() - started) / 1000).toFixed(1)} s:\n  ${files.json}\n  ${files.jsonl}`)
}
