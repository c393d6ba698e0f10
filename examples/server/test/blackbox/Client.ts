/**
 * A tiny HTTP client for the black-box suite: plain `fetch` against a base URL, every answer recorded (so a run can
 * prove that no request made the server answer 500).
 */

/** What the server answered. */
export interface Reply {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The parsed body when it is JSON, `undefined` otherwise. */
  readonly json: unknown
  readonly setCookies: ReadonlyArray<string>
}

/** How to send a request. */
export interface RequestOptions {
  /** A JSON body (`content-type: application/json`). */
  readonly json?: unknown
  /** A raw body, sent with `contentType` (default `application/json`). */
  readonly raw?: string
  readonly contentType?: string
  /** An `application/x-www-form-urlencoded` body. */
  readonly form?: Record<string, string>
  /** A `multipart/form-data` body. */
  readonly multipart?: Record<string, string>
  /** Sends `Authorization: Bearer <token>`. */
  readonly bearer?: string
  /** Sends this `Authorization` header as is. */
  readonly authorization?: string
  /** Sends this `Cookie` header as is. */
  readonly cookie?: string
}

/** A client bound to one server. */
export interface Client {
  readonly baseUrl: string
  readonly replies: Array<Reply>
  readonly request: (method: string, path: string, options?: RequestOptions) => Promise<Reply>
}

const bodyOf = (options: RequestOptions, headers: Record<string, string>): RequestInit["body"] => {
  if (options.json !== undefined) {
    headers["content-type"] = "application/json"
    return JSON.stringify(options.json)
  }
  if (options.raw !== undefined) {
    headers["content-type"] = options.contentType ?? "application/json"
    return options.raw
  }
  if (options.form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded"
    return new URLSearchParams(options.form).toString()
  }
  if (options.multipart !== undefined) {
    const data = new FormData()
    for (const [key, value] of Object.entries(options.multipart)) data.append(key, value)
    return data
  }
  return undefined
}

/** Builds a client for a server at `baseUrl` (no trailing slash). */
export const makeClient = (baseUrl: string): Client => {
  const replies: Array<Reply> = []
  const request = async (method: string, path: string, options: RequestOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = {}
    const body = bodyOf(options, headers)
    if (options.bearer !== undefined) headers["authorization"] = `Bearer ${options.bearer}`
    if (options.authorization !== undefined) headers["authorization"] = options.authorization
    if (options.cookie !== undefined) headers["cookie"] = options.cookie
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      redirect: "manual",
      ...(body === undefined ? {} : { body })
    })
    const text = await response.text()
    const contentType = response.headers.get("content-type") ?? ""
    let json: unknown = undefined
    if (contentType.includes("json") && text !== "") {
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
    }
    const reply: Reply = {
      method,
      path,
      status: response.status,
      headers: response.headers,
      text,
      json,
      setCookies: response.headers.getSetCookie()
    }
    replies.push(reply)
    return reply
  }
  return { baseUrl, replies, request }
}
