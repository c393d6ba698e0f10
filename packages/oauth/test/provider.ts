/**
 * A real OpenID provider for the tests: oidc-provider on 127.0.0.1 (a free port), its dev login and consent
 * interactions driven with plain HTTP requests and a cookie jar, and a log of the paths it was asked for.
 */
import { createServer, type Server } from "node:http"
import { createServer as createTcpServer, type Socket } from "node:net"
import Provider from "oidc-provider"

export const clientId = "effect-users"
export const clientSecret = "effect-users-secret"
export const redirectUri = "http://127.0.0.1:1/callback"

export interface TestProvider {
  readonly issuer: string
  readonly requests: Array<string>
  readonly stop: () => Promise<void>
}

const listen = (server: Server | ReturnType<typeof createTcpServer>, port = 0): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      const address = server.address()
      if (address === null || typeof address === "string") reject(new Error("no port"))
      else resolve(address.port)
    })
  })

/**
 * Starts a provider (on `port`, or a free one); `idTokenClaims` puts the e-mail in the ID token as well as in the
 * userinfo answer; `redirectUris` are the client's allowed redirect URIs besides `redirectUri`. An account whose login
 * starts with `noemail` has no e-mail, the account `unverified` one the provider marks unverified;
 * `clientAuthentication` and `emailScopes` shape the client and the scopes for a preset.
 */
export const start = async (
  options: {
    readonly idTokenClaims?: boolean
    readonly port?: number
    readonly redirectUris?: ReadonlyArray<string>
    /** How the client authenticates at the token endpoint (default `client_secret_basic`). */
    readonly clientAuthentication?: "client_secret_basic" | "client_secret_post"
    /** Scopes of a provider's own naming that grant the e-mail claims (Google's `userinfo.email` URL). */
    readonly emailScopes?: ReadonlyArray<string>
  } = {}
): Promise<TestProvider> => {
  const requests: Array<string> = []
  const server = createServer()
  const port = await listen(server, options.port)
  const issuer = `http://127.0.0.1:${port}`
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri, ...(options.redirectUris ?? [])],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: options.clientAuthentication ?? "client_secret_basic"
    }],
    pkce: { required: () => true },
    conformIdTokenClaims: options.idTokenClaims !== true,
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      ...Object.fromEntries((options.emailScopes ?? []).map((scope) => [scope, ["email", "email_verified"]]))
    },
    // An account whose login starts with `noemail` has no address, `unverified` one the provider has not verified.
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () =>
        sub.startsWith("noemail")
          ? { sub }
          : { sub, email: `${sub}@example.com`, email_verified: sub !== "unverified" }
    }),
    features: { devInteractions: { enabled: true } },
    ttl: { AccessToken: 3600, Grant: 3600, IdToken: 3600, Interaction: 600, Session: 3600 }
  })
  const handle = provider.callback()
  server.on("request", (req, res) => {
    requests.push(new URL(req.url ?? "/", issuer).pathname)
    handle(req, res)
  })
  return {
    issuer,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** A TCP server that accepts connections and never answers: a frozen provider. */
export const frozen = async (): Promise<{ readonly url: string; readonly stop: () => Promise<void> }> => {
  const sockets: Array<Socket> = []
  const server = createTcpServer((socket) => {
    sockets.push(socket)
  })
  const port = await listen(server)
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

/** A port nothing listens on (bound, then closed). */
export const closedPort = async (): Promise<string> => {
  const server = createTcpServer()
  const port = await listen(server)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

/**
 * Follows the authorization URL as a browser would: the provider's redirects, its login form (any password) and its
 * consent form, until it redirects to `redirectTo` (`redirectUri` by default); returns that callback URL.
 */
export const authorize = async (authorizationUrl: string, login: string, redirectTo = redirectUri): Promise<URL> => {
  const jar = new Map<string, string>()
  let url = authorizationUrl
  let init: { method: string; body?: URLSearchParams } = { method: "GET" }
  for (let step = 0; step < 20; step++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ")
    const response = await fetch(url, { ...init, redirect: "manual", headers: { cookie } })
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0] ?? ""
      const at = pair.indexOf("=")
      jar.set(pair.slice(0, at), pair.slice(at + 1))
    }
    const location = response.headers.get("location")
    if (response.status >= 300 && response.status < 400 && location !== null) {
      const next = new URL(location, url)
      if (next.href.startsWith(redirectTo)) return next
      url = next.href
      init = { method: "GET" }
      continue
    }
    const html = await response.text()
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1]
    if (action === undefined || prompt === undefined) {
      throw new Error(`unexpected provider page (${response.status}): ${html.slice(0, 500)}`)
    }
    url = new URL(action, url).href
    init = {
      method: "POST",
      body: new URLSearchParams(prompt === "login" ? { prompt, login, password: "any" } : { prompt })
    }
  }
  throw new Error("too many steps")
}
