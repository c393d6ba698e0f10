/**
 * A real OpenID provider for the example's tests: oidc-provider on 127.0.0.1 with its dev login and consent pages,
 * a client whose redirect URIs the test gives, and `authorize`, which follows an authorization URL as a browser
 * would (the provider's redirects, its login form with any password, its consent form) up to the callback URL.
 */
import { createServer, type Server } from "node:http"
import Provider from "oidc-provider"

export const clientId = "effect-users-example"
export const clientSecret = "effect-users-example-secret"

export interface OidcProvider {
  readonly issuer: string
  /** The paths the provider was asked for, in order. */
  readonly requests: Array<string>
  readonly stop: () => Promise<void>
}

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      const address = server.address()
      if (address === null || typeof address === "string") reject(new Error("no port"))
      else resolve(address.port)
    })
  })

/** Starts a provider on `port` whose client may redirect to `redirectUris`; the account `sub` is the login. */
export const start = async (port: number, redirectUris: ReadonlyArray<string>): Promise<OidcProvider> => {
  const requests: Array<string> = []
  const server = createServer()
  const issuer = `http://127.0.0.1:${await listen(server, port)}`
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [...redirectUris],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      // httpx-oauth (FastAPI Users' side) sends the client's credentials in the body
      token_endpoint_auth_method: "client_secret_post"
    }],
    pkce: { required: () => false },
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, email: `${sub}@example.com`, email_verified: true })
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

/** Follows `authorizationUrl` through the provider's pages as `login` until it redirects to `redirectTo`. */
export const authorize = async (authorizationUrl: string, login: string, redirectTo: string): Promise<URL> => {
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
      throw new Error(`unexpected provider page (${response.status}): ${html.slice(0, 300)}`)
    }
    url = new URL(action, url).href
    init = {
      method: "POST",
      body: new URLSearchParams(prompt === "login" ? { prompt, login, password: "any" } : { prompt })
    }
  }
  throw new Error("too many steps")
}
