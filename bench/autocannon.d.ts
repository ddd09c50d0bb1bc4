// The little of autocannon's API the load generator uses (the package ships no types).
declare module 'autocannon' {
  namespace autocannon {
    interface Request {
      method?: string
      path?: string
      body?: string
      headers?: Record<string, string>
      setupRequest?: (request: Record<string, unknown>, context: Record<string, unknown>) => Record<string, unknown> | undefined
      onResponse?: (status: number, body: string, context: Record<string, unknown>) => void
    }
    interface Options {
      url: string
      connections?: number
      duration?: number
      timeout?: number
      overallRate?: number
      requests?: Request[]
    }
    interface Result {
      duration: number
      errors: number
      timeouts: number
      requests: { total: number, average: number }
    }
    interface Instance {
      on (event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void): Instance
      stop (): void
    }
  }
  function autocannon (options: autocannon.Options, callback: (error: Error | null | undefined, result: autocannon.Result) => void): autocannon.Instance
  export default autocannon
}
