// Answers as sent (JSON text), kept for one catalogue version at a time.
import { LRUCache } from 'lru-cache'

export interface AnswerCacheOptions<V> {
  /** At most this many answers (default 5000 when no `maxSize` is given). */
  max?: number
  /** At most this much in all, as `sizeOf` counts (bytes, roughly). */
  maxSize?: number
  sizeOf?: (value: V) => number
}

/**
 * The most recently used answers of one catalogue version, by key (lru-cache),
 * bounded in number or in size; a new version empties it. A hit skips the
 * database read and the serialiser.
 */
export function createAnswerCache<K extends NonNullable<unknown>, V extends NonNullable<unknown> = string> (options: number | AnswerCacheOptions<V> = {}) {
  const { max, maxSize, sizeOf } = typeof options === 'number' ? { max: options } : options
  let version: string | null = null
  // Made on the first answer kept: lru-cache allocates its arrays for `max` entries at once,
  // tens of thousands for some caches, which a start need not pay for.
  let answers: LRUCache<K, V> | undefined
  const made = (): LRUCache<K, V> => maxSize === undefined
    ? new LRUCache<K, V>({ max: max ?? 5000 })
    : new LRUCache<K, V>({ ...(max === undefined ? {} : { max }), maxSize, sizeCalculation: (value) => Math.max(1, sizeOf?.(value) ?? 1) })
  const cache = {
    /**
     * The answer for `key` in catalogue version `atVersion`: kept, or `load`ed
     * and kept (undefined, when there is none, is not kept). Read the version
     * before the data (see Catalogue.version): an import in between files new
     * data under the old version, which is dropped with it.
     */
    answer (atVersion: string, key: K, load: () => V | undefined): V | undefined {
      let value = cache.get(atVersion, key)
      if (value === undefined) {
        value = load()
        if (value !== undefined) cache.set(atVersion, key, value)
      }
      return value
    },
    get (atVersion: string, key: K): V | undefined {
      return atVersion === version ? answers?.get(key) : undefined
    },
    set (atVersion: string, key: K, value: V): void {
      answers ??= made()
      if (atVersion !== version) {
        answers.clear()
        version = atVersion
      }
      answers.set(key, value)
    },
    get size () { return answers?.size ?? 0 }
  }
  return cache
}

/** The content type of answers sent as JSON text (a string with it skips the serialiser). */
export const jsonType = 'application/json; charset=utf-8'
