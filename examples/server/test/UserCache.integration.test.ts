/**
 * The opt-in user cache (`USER_CACHE=1`) across two server processes sharing one PostgreSQL: a change made through one
 * reaches the other's cache within a second (PostgreSQL's LISTEN/NOTIFY, or Redis pub/sub with
 * `USER_CACHE_FEED=redis`), and once it has, no stale user is served.
 */
import { PgClient } from "@effect/sql-pg"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"
import { connect } from "node:net"
import { type RunningServer, startExample } from "./blackbox/Servers.ts"

const databaseUrl = process.env["DATABASE_URL"] ?? ""
const redisUrl = process.env["REDIS_URL"] ?? ""
const secret = randomBytes(32).toString("base64url")

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body)
})

const login = async (url: string, email: string, password: string): Promise<string> => {
  const response = await fetch(`${url}/auth/jwt/login`, {
    method: "POST",
    body: new URLSearchParams({ username: email, password })
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { access_token: string }).access_token
}

const me = async (url: string, token: string) => {
  const response = await fetch(`${url}/users/me`, { headers: { authorization: `Bearer ${token}` } })
  const body: unknown = await response.json()
  return { status: response.status, body }
}

const protectedStatus = async (url: string, token: string) => {
  const response = await fetch(`${url}/protected`, { headers: { authorization: `Bearer ${token}` } })
  await response.arrayBuffer()
  return response.status
}

/** One raw `GET /users/me` on a fresh connection: the answer's bytes as sent, without the `Date` header. */
const rawMe = (url: string, token: string) =>
  new Promise<string>((resolve, reject) => {
    const { hostname, port } = new URL(url)
    const socket = connect(Number(port), hostname, () =>
      socket.write(
        `GET /users/me HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`
      ))
    let answer = ""
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")))
    socket.on("error", reject)
    socket.on("end", () => resolve(answer.replace(/\r\nDate: [^\r]*/, "")))
  })

/** Polls until `done` holds, returning how long it took (ms); fails after `limit` ms. */
const until = async (done: () => Promise<boolean>, limit: number): Promise<number> => {
  const start = performance.now()
  while (!(await done())) {
    if (performance.now() - start > limit) throw new Error(`not within ${limit} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
  return performance.now() - start
}

describe.each(["postgres", "redis"])("USER_CACHE across two instances, USER_CACHE_FEED=%s", (feed) => {
  const servers: Array<RunningServer> = []
  beforeAll(async () => {
    if (databaseUrl === "" || redisUrl === "") {
      throw new Error(
        "DATABASE_URL or REDIS_URL is not set: this test needs the shared services (npm test starts them)"
      )
    }
    // the Redis feed gets REDIS_URL; the PostgreSQL one runs without Redis at all
    const env = feed === "redis"
      ? { DATABASE_URL: databaseUrl, USER_CACHE: "1", USER_CACHE_FEED: "redis", REDIS_URL: redisUrl }
      : { DATABASE_URL: databaseUrl, USER_CACHE: "1", REDIS_URL: "" }
    // each server is kept as soon as it runs, so that afterAll stops it even when the other failed to start
    const started = await Promise.allSettled(
      [0, 1].map(() => startExample(secret, env).then((server) => servers.push(server)))
    )
    for (const outcome of started) if (outcome.status === "rejected") throw outcome.reason
  }, 120_000)
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()))
  })

  it("an update, a deactivation and a deletion on one instance reach the other's cache within a second", async () => {
    const [a, b] = servers
    if (a === undefined || b === undefined) throw new Error("two servers")
    const tag = randomBytes(4).toString("hex")
    const admin = `admin-${tag}@camelot.bt`
    const user = `user-${tag}@camelot.bt`
    expect((await fetch(`${a.url}/__test__/superuser`, json({ email: admin, password: "admin-password" }))).status)
      .toBe(201)
    const registered = await fetch(`${a.url}/auth/register`, json({ email: user, password: "user-password" }))
    expect(registered.status).toBe(201)
    const { id } = (await registered.json()) as { id: string }
    const adminToken = await login(a.url, admin, "admin-password")
    const token = await login(a.url, user, "user-password")
    // both instances have the user cached
    for (const server of [a, b]) for (let i = 0; i < 3; i++) expect((await me(server.url, token)).status).toBe(200)
    // the answer node:http replays (HotPathFront) has the bytes of the router's first answer to the same request
    const first = await rawMe(b.url, token)
    expect(first).toMatch(/^HTTP\/1\.1 200 OK\r\ncontent-type: application\/json\r\ncontent-length: \d+\r\n/)
    for (let i = 0; i < 3; i++) expect(await rawMe(b.url, token)).toBe(first)
    // a write around the repository (by hand, in SQL) is not seen: the users are served from memory (until the
    // time to live; the next write through the repository invalidates them)
    await Effect.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`UPDATE "user" SET is_superuser = true WHERE id = ${id}`).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(databaseUrl) }))
      )
    )
    for (const server of [a, b]) expect((await me(server.url, token)).body).toMatchObject({ is_superuser: false })

    const patch = (body: unknown) =>
      fetch(`${a.url}/users/${id}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify(body)
      })

    // an update: the other instance serves the new field within a second, and never the old one again
    expect((await patch({ is_verified: true, is_superuser: false })).status).toBe(200)
    const verified = await until(async () => {
      const { body } = await me(b.url, token)
      return typeof body === "object" && body !== null && "is_verified" in body && body.is_verified === true
    }, 1_000)
    for (let i = 0; i < 50; i++) expect((await me(b.url, token)).body).toMatchObject({ is_verified: true })

    // a deactivation: refused on the other instance within a second, and from then on; it is first seen by another
    // guard (the application's /protected), which puts the deactivated user into that instance's cache: the answer
    // to /users/me its HotPathFront remembers must not be replayed for it
    expect((await patch({ is_active: false })).status).toBe(200)
    const refused = await until(async () => (await protectedStatus(b.url, token)) === 401, 1_000)
    for (let i = 0; i < 50; i++) expect((await me(b.url, token)).status).toBe(401)

    // a deletion, likewise
    expect((await patch({ is_active: true })).status).toBe(200)
    await until(async () => (await me(b.url, token)).status === 200, 1_000)
    expect(
      (await fetch(`${a.url}/users/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${adminToken}` } }))
        .status
    ).toBe(204)
    const deleted = await until(async () => (await me(b.url, token)).status === 401, 1_000)
    for (let i = 0; i < 50; i++) expect((await me(b.url, token)).status).toBe(401)
    process.stdout.write(
      `UserCache (${feed}): update seen after ${verified.toFixed(0)} ms, deactivation ${
        refused.toFixed(0)
      } ms, deletion ${deleted.toFixed(0)} ms\n`
    )
  }, 60_000)
})
