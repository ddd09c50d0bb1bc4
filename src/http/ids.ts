// Ids in request paths (/anime/entry/:id, /watchlists/:id, …).

/** A positive whole number within SQLite's integer range, else null. */
export function parseId (text: string): number | null {
  if (!/^[1-9]\d{0,15}$/.test(text)) return null
  return Number(text)
}
