/**
 * A local fake of an OAuth 2.0 provider's endpoints (node:http on 127.0.0.1): an authorization endpoint that logs in
 * the account named by the test and redirects with a code, a token endpoint that checks the client's authentication
 * (the method the provider requires), the code, the redirect URI and the PKCE verifier as the provider does, and the
 * provider's API routes answering with its real response shapes. Every request is logged.
 */
import { createHash, randomBytes } from "node:crypto"
import { createServer, type IncomingMessage } from "node:http"

export const clientId = "fake-client"
export const clientSecret = "fake-secret"
export const redirectUri = "http://127.0.0.1:1/callback"

export interface Answer {
  readonly status?: number
  readonly body: unknown
}

export interface FakeOptions {
  readonly clientAuthentication: "client_secret_basic" | "client_secret_post"
  readonly authorizePath: string
  readonly tokenPath: string
  readonly revokePath?: string
  /** GitHub and Reddit answer a failed exchange with 200 and an OAuth error body. */
  readonly errorsWith200?: boolean
  /** The provider's API: path → the answer for the account `login` (the query at hand). */
  readonly routes: Readonly<Record<string, (login: string, query: URLSearchParams) => Answer>>
  /** The answer of an API request without a valid token. */
  readonly unauthorized?: Answer
}

export interface LoggedRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: IncomingMessage["headers"]
  readonly form: URLSearchParams
}

export interface Fake {
  readonly url: string
  readonly requests: Array<LoggedRequest>
  readonly revoked: Array<string>
  /** Follows the authorization URL as the browser of the logged-in account `login` would; the callback URL. */
  readonly signIn: (authorizationUrl: string, login: string) => Promise<URL>
  readonly stop: () => Promise<void>
}

interface Grant {
  readonly login: string
  readonly redirectUri: string
  readonly challenge: string
  readonly scope: string
}

const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url")

/** Starts a fake provider on a free loopback port. */
export const start = async (options: FakeOptions): Promise<Fake> => {
  const requests: Array<LoggedRequest> = []
  const revoked: Array<string> = []
  const codes = new Map<string, Grant>()
  const tokens = new Map<string, string>()
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const chunks: Array<Buffer> = []
    for await (const chunk of req) chunks.push(Buffer.from(chunk))
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"))
    requests.push({ method: req.method ?? "", path: url.pathname, query: url.searchParams, headers: req.headers, form })
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers })
      res.end(JSON.stringify(body))
    }
    const tokenError = (error: string) => send(options.errorsWith200 === true ? 200 : 400, { error })

    if (url.pathname === options.authorizePath && req.method === "GET") {
      const query = url.searchParams
      if (query.get("client_id") !== clientId || query.get("code_challenge_method") !== "S256") {
        return send(400, { error: "invalid_request" })
      }
      const code = randomBytes(16).toString("hex")
      codes.set(code, {
        login: query.get("fake_login") ?? "anonymous",
        redirectUri: query.get("redirect_uri") ?? "",
        challenge: query.get("code_challenge") ?? "",
        scope: query.get("scope") ?? ""
      })
      const target = new URL(query.get("redirect_uri") ?? "")
      target.searchParams.set("code", code)
      target.searchParams.set("state", query.get("state") ?? "")
      res.writeHead(302, { location: target.href })
      return res.end()
    }

    if (url.pathname === options.tokenPath && req.method === "POST") {
      // RFC 6749 §2.3.1: both halves of the Basic credentials are form-urlencoded.
      const basic = req.headers.authorization?.startsWith("Basic ") === true
        ? Buffer.from(req.headers.authorization.slice(6), "base64").toString("utf8").split(":").map((part) =>
          decodeURIComponent(part.replaceAll("+", " "))
        ).join(":")
        : undefined
      const authenticated = options.clientAuthentication === "client_secret_basic"
        ? basic === `${clientId}:${clientSecret}` && !form.has("client_secret")
        : basic === undefined && form.get("client_id") === clientId && form.get("client_secret") === clientSecret
      if (!authenticated) return send(401, { error: "invalid_client" })
      if (form.get("grant_type") !== "authorization_code") return tokenError("unsupported_grant_type")
      const code = form.get("code") ?? ""
      const grant = codes.get(code)
      codes.delete(code)
      if (grant === undefined || grant.redirectUri !== form.get("redirect_uri")) return tokenError("invalid_grant")
      if (s256(form.get("code_verifier") ?? "") !== grant.challenge) return tokenError("invalid_grant")
      const token = randomBytes(16).toString("hex")
      tokens.set(token, grant.login)
      return send(200, { access_token: token, token_type: "bearer", expires_in: 3600, scope: grant.scope })
    }

    if (options.revokePath !== undefined && url.pathname === options.revokePath && req.method === "POST") {
      revoked.push(form.get("token") ?? "")
      return send(200, {})
    }

    const route = options.routes[url.pathname]
    if (route !== undefined && req.method === "GET") {
      const header = req.headers.authorization ?? ""
      const login = header.startsWith("Bearer ") ? tokens.get(header.slice(7)) : undefined
      if (login === undefined) {
        const answer = options.unauthorized ?? { status: 401, body: { message: "Bad credentials" } }
        return send(answer.status ?? 401, answer.body)
      }
      const answer = route(login, url.searchParams)
      return send(answer.status ?? 200, answer.body)
    }
    return send(404, { error: "not_found" })
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      if (address === null || typeof address === "string") reject(new Error("no port"))
      else resolve(address.port)
    })
  })
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    revoked,
    signIn: async (authorizationUrl, login) => {
      const url = new URL(authorizationUrl)
      url.searchParams.set("fake_login", login)
      const response = await fetch(url, { redirect: "manual" })
      const location = response.headers.get("location")
      if (response.status !== 302 || location === null) {
        throw new Error(`the fake refused the authorization request (${response.status}): ${await response.text()}`)
      }
      return new URL(location)
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** A stable numeric id for a login (providers with numeric ids). */
export const numericId = (login: string) =>
  Number.parseInt(createHash("sha256").update(login).digest("hex").slice(0, 8), 16)
