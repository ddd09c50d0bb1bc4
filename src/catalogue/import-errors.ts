// The errors of reading, unpacking and downloading a catalogue file, apart from
// the code that raises them: the command line tells them by class, and loading
// that code (the importer, the downloader, the zstd decoder) only to know the
// classes would slow every command and the service's start.

/** The compressed data is broken (truncated, not what its first bytes claim). */
export class CompressionError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'CompressionError'
  }
}

/** The input is an archive or a compression this reader does not unpack. */
export class UnsupportedCompressionError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'UnsupportedCompressionError'
  }
}

/** A download that failed or was cut short; the message says how. */
export class UpdateError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'UpdateError'
  }
}
