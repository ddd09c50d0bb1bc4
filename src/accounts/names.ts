// How usernames and emails are compared and stored.

/** Django's username characters: Python's \w (letters, digits, _) and @ . + - */
export const USERNAME_PATTERN = '^[\\p{L}\\p{N}_.@+-]+$'
export const usernamePattern = new RegExp(USERNAME_PATTERN, 'u')

/** A username as stored: NFKC, as Django's normalize_username. */
export const normalizeUsername = (username: string): string => username.normalize('NFKC')

/**
 * The key usernames are unique by: NFKC and case-folded. Upper- then lower-casing
 * folds more than lower-casing alone (ß and SS, ς and σ meet), close to Python's casefold().
 */
export const usernameKey = (username: string): string =>
  username.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC')

/** Emails are unique without regard to case; an empty email is no key at all. */
export const emailKey = (email: string): string | null => email === '' ? null : email.toLowerCase()

/** As Django's normalize_email: the domain part lower-cased, the local part kept. */
export function normalizeEmail (email: string): string {
  const at = email.lastIndexOf('@')
  if (at < 0) return email
  return email.slice(0, at) + '@' + email.slice(at + 1).toLowerCase()
}
