/**
 * A real OpenID provider for end-to-end tests: `oidc-provider` on 127.0.0.1 with its development login and consent
 * pages, one confidential client, a log of the paths it was asked for, and `authorize`, which walks its pages as a
 * browser would. Also a frozen server and a closed port, for outage tests.
 *
 * @since 0.1.0
 */
import { createServer, type Server } from "node:http"
import { createServer as createTcpServer, type Socket } from "node:net"
import Provider from "oidc-provider"

/** The client id the provider knows by default. */
export const clientId = "effect-users"

/** That client's secret. */
export const clientSecret = "effect-users-secret"

/** A redirect URI the client always allows (nothing listens there: tests stop at the redirect). */
export const redirectUri = "http://127.0.0.1:1/callback"

/** A running provider. */
export interface OidcProvider {
  readonly issuer: string
  /** The paths the provider was asked for, in order: a test proves that a request never reached it. */
  readonly requests: Array<string>
  readonly stop: () => Promise<void>
}

/** How the provider and its client are set up. */
export interface Options {
  /** The port to listen on (a free one by default). */
  readonly port?: number
  /** Redirect URIs the client may use besides `redirectUri`. */
  readonly redirectUris?: ReadonlyArray<string>
  readonly clientId?: string
  readonly clientSecret?: string
  /** How the client authenticates at the token endpoint (default `client_secret_basic`). */
  readonly clientAuthentication?: "client_secret_basic" | "client_secret_post"
  /** Whether PKCE is required (default true; FastAPI Users' httpx-oauth sends none, so its tests turn it off). */
  readonly pkceRequired?: boolean
  /** Put the e-mail claims in the ID token as well as in the userinfo answer. */
  readonly idTokenClaims?: boolean
  /** Scopes of a provider's own naming that grant the e-mail claims (Google's `userinfo.email` URL). */
  readonly emailScopes?: ReadonlyArray<string>
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
 * Starts a provider. The account is the login typed on its page: `<login>@example.com`, verified, except that a
 * login starting with `noemail` has no address and the login `unverified` an address the provider has not verified.
 */
export const start = async (options: Options = {}): Promise<OidcProvider> => {
  const requests: Array<string> = []
  const server = createServer()
  const port = await listen(server, options.port)
  const issuer = `http://127.0.0.1:${port}`
  const provider = new Provider(issuer, {
    clients: [{
      client_id: options.clientId ?? clientId,
      client_secret: options.clientSecret ?? clientSecret,
      redirect_uris: [redirectUri, ...(options.redirectUris ?? [])],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: options.clientAuthentication ?? "client_secret_basic"
    }],
    pkce: { required: () => options.pkceRequired ?? true },
    conformIdTokenClaims: options.idTokenClaims !== true,
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      ...Object.fromEntries((options.emailScopes ?? []).map((scope) => [scope, ["email", "email_verified"]]))
    },
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

/** The URL of a port nothing listens on (bound, then closed): a provider that is down. */
export const closedPort = async (): Promise<string> => {
  const server = createTcpServer()
  const port = await listen(server)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

/**
 * Follows `authorizationUrl` as a browser would — the provider's redirects, its login form (as `login`, any
 * password) and its consent form — until it redirects to `redirectTo` (`redirectUri` by default); returns that URL.
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
