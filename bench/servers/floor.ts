/**
 * Ceiling 2, "the floor": the same work as effect-users' `GET /users/me` with no framework. `node:http`; the
 * bearer token read from `Authorization`; the HS256 JWT verified with `node:crypto` HMAC under a key imported once
 * (`createSecretKey`), its header, audience, expiry and `sub` checked; one named prepared primary-key select on the
 * `user` table (effect-users' SQL adapter layout) through a `pg` pool of 4; the user answered as JSON, 401 otherwise.
 *
 * Environment: PORT, SECRET, DATABASE_URL (all required).
 */
import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto"
import { createServer, type ServerResponse } from "node:http"
import pg from "pg"

const port = Number(process.env.PORT)
const secret = process.env.SECRET ?? ""
const key = createSecretKey(Buffer.from(secret, "utf8"))
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 })
const AUDIENCE = "fastapi-users:auth"
const select = {
  name: "bench-user-by-id",
  text: "SELECT id, email, is_active, is_superuser, is_verified FROM \"user\" WHERE id = $1"
}
const unauthorized = Buffer.from("{\"detail\":\"Unauthorized\"}")

interface Claims {
  readonly sub?: unknown
  readonly aud?: unknown
  readonly exp?: unknown
}

const verify = (token: string): string | undefined => {
  const first = token.indexOf(".")
  const second = token.indexOf(".", first + 1)
  if (first < 0 || second < 0 || token.indexOf(".", second + 1) >= 0) return undefined
  const signature = Buffer.from(token.slice(second + 1), "base64url")
  const expected = createHmac("sha256", key).update(token.slice(0, second)).digest()
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return undefined
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, first), "base64url").toString("utf8")) as { alg?: unknown }
    if (header.alg !== "HS256") return undefined
    const claims = JSON.parse(Buffer.from(token.slice(first + 1, second), "base64url").toString("utf8")) as Claims
    const aud = claims.aud
    if (!(aud === AUDIENCE || (Array.isArray(aud) && aud.includes(AUDIENCE)))) return undefined
    if (claims.exp !== undefined && (typeof claims.exp !== "number" || claims.exp * 1000 <= Date.now())) {
      return undefined
    }
    return typeof claims.sub === "string" ? claims.sub : undefined
  } catch {
    return undefined
  }
}

const send = (response: ServerResponse, status: number, body: Buffer) => {
  response.writeHead(status, { "content-type": "application/json", "content-length": body.length })
  response.end(body)
}

const server = createServer((request, response) => {
  const authorization = request.headers.authorization ?? ""
  const space = authorization.indexOf(" ")
  const sub = space > 0 && authorization.slice(0, space).toLowerCase() === "bearer"
    ? verify(authorization.slice(space + 1).trim())
    : undefined
  if (sub === undefined) return send(response, 401, unauthorized)
  pool.query({ ...select, values: [sub] }).then(
    (result) => {
      const user = result.rows[0]
      if (user === undefined || user.is_active !== true) return send(response, 401, unauthorized)
      send(response, 200, Buffer.from(JSON.stringify(user)))
    },
    () => send(response, 503, Buffer.from("{\"detail\":\"SERVICE_UNAVAILABLE\"}"))
  )
})
server.keepAliveTimeout = 65_000
server.listen(port, "127.0.0.1", () => process.stdout.write(`floor listening on http://127.0.0.1:${port}\n`))
const stop = () => server.close(() => pool.end().then(() => process.exit(0)))
process.once("SIGTERM", stop)
process.once("SIGINT", stop)
