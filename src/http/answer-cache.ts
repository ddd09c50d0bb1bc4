// Answers as sent (JSON text), kept for one catalogue version at a time.

/**
 * The `max` most recently used answers of one catalogue version, by key; a
 * new version empties it. A hit skips the SQLite read and the serialiser.
 */
export function createAnswerCache<K> (max = 5000) {
  let version: string | null = null
  const answers = new Map<K, string>()
  const cache = {
    /**
     * The answer for `key` in catalogue version `atVersion`: kept, or `load`ed
     * and kept (undefined, when there is none, is not kept). Read the version
     * before the data (see Catalogue.version): an import in between files new
     * data under the old version, which is dropped on the next turn.
     */
    answer (atVersion: string, key: K, load: () => string | undefined): string | undefined {
      let json = cache.get(atVersion, key)
      if (json === undefined) {
        json = load()
        if (json !== undefined) cache.set(atVersion, key, json)
      }
      return json
    },
    get (atVersion: string, key: K): string | undefined {
      if (atVersion !== version) return undefined
      const json = answers.get(key)
      if (json !== undefined) {
        // Most recently used last: Map keeps insertion order.
        answers.delete(key)
        answers.set(key, json)
      }
      return json
    },
    set (atVersion: string, key: K, json: string): void {
      if (atVersion !== version) {
        answers.clear()
        version = atVersion
      }
      answers.set(key, json)
      if (answers.size > max) answers.delete(answers.keys().next().value!)
    },
    get size () { return answers.size }
  }
  return cache
}

/** The content type of answers sent as JSON text (a string with it skips the serialiser). */
export const jsonType = 'application/json; charset=utf-8'
