/**
 * A parallel password-guessing run against the example server with `HARDENED=1` (the library's default limits,
 * counters in memory): against one account from one address, and against many accounts from one address. Clients
 * are told apart by their loopback source address (127.0.0.x), as the server sees them. The owner of the attacked
 * account, logging in from a browser that logged in before (its device cookie), still gets in during the attack.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { request as httpRequest } from "node:http"
import type { RunningServer } from "./blackbox/Servers.ts"
import { startExample } from "./blackbox/Servers.ts"

interface Reply {
  readonly status: number
  readonly setCookie: ReadonlyArray<string>
  readonly retryAfter: string | undefined
}

const send = (
  url: string,
  from: string,
  path: string,
  body: string,
  contentType: string,
  cookie?: string
): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url)
    const headers: Record<string, string> = { "content-type": contentType }
    if (cookie !== undefined) headers["cookie"] = cookie
    const req = httpRequest(
      { hostname, port, path, method: "POST", headers, localAddress: from, agent: false },
      (res) => {
        res.resume()
        res.on("end", () => {
          const retryAfter = res.headers["retry-after"]
          resolve({
            status: res.statusCode ?? 0,
            setCookie: res.headers["set-cookie"] ?? [],
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter
          })
        })
      }
    )
    req.on("error", reject)
    req.end(body)
  })

const login = (url: string, from: string, username: string, password: string, cookie?: string) =>
  send(
    url,
    from,
    "/auth/jwt/login",
    new URLSearchParams({ username, password }).toString(),
    "application/x-www-form-urlencoded",
    cookie
  )

/** Runs `total` requests, `workers` at a time; the statuses counted, and the requests per second. */
const guessing = async (total: number, workers: number, attempt: (i: number) => Promise<Reply>) => {
  const counts: Record<number, number> = {}
  let next = 0
  let retryAfter: string | undefined
  const started = performance.now()
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < total) {
      const reply = await attempt(next++)
      counts[reply.status] = (counts[reply.status] ?? 0) + 1
      if (reply.status === 429) retryAfter ??= reply.retryAfter
    }
  }))
  const seconds = (performance.now() - started) / 1000
  return { counts, seconds, perSecond: total / seconds, retryAfter }
}

describe("example server, HARDENED=1: parallel guessing", () => {
  let server: RunningServer
  const victim = { email: `victim-${process.pid}@example.com`, password: "the owner's long passphrase" }

  beforeAll(async () => {
    server = await startExample("bruteforce-test-secret-of-at-least-32-bytes", { HARDENED: "1" })
    const registered = await send(
      server.url,
      "127.0.0.2",
      "/auth/register",
      JSON.stringify(victim),
      "application/json"
    )
    expect(registered.status).toBe(201)
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
  })

  it("one account: 429s, guesses slowed then refused; the owner's known device still logs in", async () => {
    // the owner logged in from this browser before: it holds the device cookie
    const first = await login(server.url, "127.0.0.2", victim.email, victim.password)
    expect(first.status).toBe(200)
    const device = first.setCookie.map((cookie) => cookie.split(";")[0]).find((c) =>
      c.startsWith("effect_users_device=")
    )
    expect(device).toBeDefined()

    // the attack: 4 clients at once, 200 wrong passwords for the victim, from one address
    const guess = () => login(server.url, "127.0.0.1", victim.email, `guess-${Math.random()}`)
    const result = await guessing(200, 4, guess)
    // and while it goes on (the account's limit spent by now): a fresh browser elsewhere, and the owner's
    const more = guessing(100, 4, guess)
    const stranger = await login(server.url, "127.0.0.3", victim.email, victim.password)
    const ownerStart = performance.now()
    const owner = await login(server.url, "127.0.0.2", victim.email, victim.password, device)
    const ownerSeconds = (performance.now() - ownerStart) / 1000
    const during = await more
    console.log(
      `one account, 200 guesses, 4 parallel: ${JSON.stringify(result.counts)} in ${result.seconds.toFixed(1)} s ` +
        `(${result.perSecond.toFixed(0)} requests/s; Retry-After ${result.retryAfter} s); 100 more: ` +
        `${JSON.stringify(during.counts)}, meanwhile a fresh browser: ${stranger.status}, the owner's device: ` +
        `${owner.status} after ${ownerSeconds.toFixed(1)} s`
    )
    // the pair's limit (10 per 15 minutes) lets at most 10 guesses be checked; every other request is a 429
    expect(result.counts[400] ?? 0).toBeLessThanOrEqual(10)
    expect(result.counts[429] ?? 0).toBeGreaterThanOrEqual(190)
    expect(Number(result.retryAfter)).toBeGreaterThan(0)
    expect(during.counts[429]).toBe(100)
    expect(stranger.status).toBe(429)
    expect(owner.status).toBe(200)
  }, 60_000)

  it("many accounts from one address: refused past the address's limit", async () => {
    const result = await guessing(
      150,
      4,
      (i) => login(server.url, "127.0.0.4", `nobody-${i}@example.com`, "a guess at a common password")
    )
    console.log(
      `150 accounts from one address, 4 parallel: ${JSON.stringify(result.counts)} in ` +
        `${result.seconds.toFixed(1)} s (${result.perSecond.toFixed(0)} requests/s)`
    )
    // the address's limit is 100 attempts per 15 minutes
    expect(result.counts[400]).toBe(100)
    expect(result.counts[429]).toBe(50)
    // another address is not affected
    expect((await login(server.url, "127.0.0.5", "nobody-0@example.com", "x")).status).toBe(400)
  }, 60_000)
})
