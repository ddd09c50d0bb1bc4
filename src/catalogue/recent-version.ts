// The catalogue version as the hot paths read it: from the file at most every
// few milliseconds, not once per request.

export interface VersionReader {
  /** The served catalogue's version (see Catalogue.version). */
  version: () => string
  /** Its import time as an HTTP date, '' when unknown (see Catalogue.lastModified). */
  lastModified: () => string
}

/**
 * The catalogue's version and import date, read from the file at most once
 * every `maxAgeMs`: each read is a database statement (a read transaction,
 * several system calls), which under load was a large part of an entry's
 * answer. A new catalogue is seen at most `maxAgeMs` after its import commits
 * (an import takes far longer); until then answers carry the previous
 * version, never a version newer than their data.
 *
 * One such clock per opened catalogue (openCatalogue): the hot routes label
 * their answers with it, and searches take the index it names, so that an
 * answer read after its label is never of an older version than the label.
 */
export function recentVersion (catalogue: VersionReader, maxAgeMs = 2, now: () => number = performance.now.bind(performance)): VersionReader {
  let readAt = -Infinity
  let version = ''
  let lastModified = ''
  const refresh = (): void => {
    const at = now()
    if (at - readAt <= maxAgeMs) return
    version = catalogue.version()
    lastModified = catalogue.lastModified()
    readAt = at
  }
  return {
    version () { refresh(); return version },
    lastModified () { refresh(); return lastModified }
  }
}
