// Ids in request paths (/anime/entry/:id, /watchlists/:id, …): how the validator
// reads an integer path parameter, and how hooks that run before validation
// (the watchlists' access checks) read one.

/** A positive whole number within SQLite's integer range (no sign, no leading zero), else null. */
export function parseId (text: string): number | null {
  if (!/^[1-9]\d{0,15}$/.test(text)) return null
  return Number(text)
}
