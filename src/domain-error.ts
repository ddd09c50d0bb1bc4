// The base of the domain modules' errors (accounts, watchlists): named after
// their class, carrying no HTTP status or body; src/http/domain-errors.ts answers them.
export class DomainError extends Error {
  constructor (message: string) {
    super(message)
    this.name = new.target.name
  }
}
