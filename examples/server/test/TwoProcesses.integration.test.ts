/**
 * Two example server processes sharing the test services' PostgreSQL and Redis (as two instances behind a load
 * balancer would): a session opened on one is served by the other, and a logout on either ends it on both, on the
 * database and Redis backends; a JWT is accepted by both (same secret) and a password changed on one is the only one
 * the other accepts.
 */
import { requireUrl } from "@effect-users/testing/TestServices"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import type { RunningServer } from "./blackbox/Servers.ts"
import { startExample } from "./blackbox/Servers.ts"
import { accessToken, call } from "./httpRaces.ts"

const SECRET = "two-processes-secret-with-32-or-more-bytes"
const PASSWORD = "two-processes-password"
const servers: Array<RunningServer> = []

beforeAll(async () => {
  const env = { DATABASE_URL: requireUrl("DATABASE_URL"), REDIS_URL: requireUrl("REDIS_URL") }
  // each server is kept as soon as it runs, so that afterAll stops it even when the other failed to start
  const started = await Promise.allSettled(
    [0, 1].map(() => startExample(SECRET, env).then((server) => servers.push(server)))
  )
  for (const outcome of started) if (outcome.status === "rejected") throw outcome.reason
}, 120_000)

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()))
})

const pair = (): readonly [string, string] => {
  const [a, b] = servers
  if (a === undefined || b === undefined) throw new Error("the servers did not start")
  return [a.url, b.url]
}

describe("two server processes sharing PostgreSQL and Redis", () => {
  for (const backend of ["db", "redis"] as const) {
    it(`/auth/${backend}: logged in on one, served by the other; logged out on either, refused by both`, async () => {
      const [a, b] = pair()
      const email = `twice.${backend}.${randomBytes(4).toString("hex")}@example.com`
      assert.strictEqual((await call(a, "POST", "/auth/register", { json: { email, password: PASSWORD } })).status, 201)
      const login = (url: string) =>
        call(url, "POST", `/auth/${backend}/login`, { form: { username: email, password: PASSWORD } })
      const me = (url: string, token: string) => call(url, "GET", "/users/me", { bearer: token })

      // opened on A, used on B, closed on A, refused on B (and on A)
      const first = accessToken(await login(a))
      assert.strictEqual((await me(b, first)).status, 200)
      assert.strictEqual((await call(a, "POST", `/auth/${backend}/logout`, { bearer: first })).status, 204)
      assert.strictEqual((await me(b, first)).status, 401)
      assert.strictEqual((await me(a, first)).status, 401)
      assert.strictEqual((await call(b, "POST", `/auth/${backend}/logout`, { bearer: first })).status, 401)

      // opened on B, closed on A, refused on B
      const second = accessToken(await login(b))
      assert.strictEqual((await me(a, second)).status, 200)
      assert.strictEqual((await call(a, "POST", `/auth/${backend}/logout`, { bearer: second })).status, 204)
      assert.strictEqual((await me(b, second)).status, 401)

      // a session of a user deactivated through A is refused by B
      const third = accessToken(await login(a))
      assert.strictEqual((await me(b, third)).status, 200)
      const root = `root.${randomBytes(4).toString("hex")}@example.com`
      assert.strictEqual(
        (await call(a, "POST", "/__test__/superuser", { json: { email: root, password: PASSWORD } })).status,
        201
      )
      const rootToken = accessToken(
        await call(a, "POST", "/auth/jwt/login", { form: { username: root, password: PASSWORD } })
      )
      const id = JSON.parse((await me(b, third)).text).id
      assert.strictEqual(
        (await call(a, "PATCH", `/users/${id}`, { bearer: rootToken, json: { is_active: false } })).status,
        200
      )
      assert.strictEqual((await me(b, third)).status, 401)
    })
  }

  it("a JWT from one is accepted by the other; a password changed on one is the only one the other accepts", async () => {
    const [a, b] = pair()
    const email = `jwt.${randomBytes(4).toString("hex")}@example.com`
    assert.strictEqual((await call(b, "POST", "/auth/register", { json: { email, password: PASSWORD } })).status, 201)
    const token = accessToken(
      await call(a, "POST", "/auth/jwt/login", { form: { username: email, password: PASSWORD } })
    )
    assert.strictEqual((await call(b, "GET", "/users/me", { bearer: token })).status, 200)
    assert.strictEqual(
      (await call(a, "PATCH", "/users/me", { bearer: token, json: { password: "changed-on-a" } })).status,
      200
    )
    const onB = (password: string) =>
      call(b, "POST", "/auth/jwt/login", { form: { username: email, password } }).then((r) => r.status)
    assert.strictEqual(await onB(PASSWORD), 400)
    assert.strictEqual(await onB("changed-on-a"), 200)
  })
})
