// The entry answer's SQL, shared by the search index's build
// (discovery-index.ts) and the migration that fills entry_answers (db.ts); the
// read repository serves what they wrote.

/**
 * An entry's answer as the service sends it: the seed fields in the order of the
 * AnimeEntry schema, compact, `tags` as stored (already a compact JSON array).
 * Byte for byte what `JSON.stringify(toSeed(row))` (repository.ts) gives (json_quote escapes as
 * JSON.stringify does; test/routes/anime/entry.test.ts checks awkward strings). Written into
 * entry_answers by each import (discovery-index.ts), so a read is one small row.
 */
export const answerSql = `'{"id":' || id || ',"title":' || json_quote(title) || ',"source":' || json_quote(source) || ` +
  `',"anime_type":' || json_quote(anime_type) || ',"num_episodes":' || json_quote(num_episodes) || ',"status":' || json_quote(status) || ` +
  `',"year":' || json_quote(year) || ',"picture":' || json_quote(picture) || ',"tags":' || tags || '}'`
