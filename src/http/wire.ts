// Values as the old service wrote them on the wire.

/** A time (milliseconds since the epoch) as DRF wrote one (knox's expiry, a list's dates): UTC, ISO 8601, six fractional digits. */
export const drfTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '000Z')
