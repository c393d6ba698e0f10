/**
 * Brute-force protection on the routers (memory store): 429 + `Retry-After` per address, per account and per pair,
 * the device cookie that keeps the owner in during an attack on their account, the progressive delay, and nothing
 * at all when the protection is not provided.
 */
import * as BruteForce from "@effect-users/transport-http/BruteForce"
import * as BruteForceMiddleware from "@effect-users/transport-http/BruteForceMiddleware"
import { assert, describe, it, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Option } from "effect"
import type { HttpServerRequest } from "effect/http"
import { HttpServerResponse } from "effect/http"
import type { HttpApiEndpoint as Endpoint, HttpApiGroup as Group } from "effect/http-api"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { RateLimiter } from "effect/persistence"
import { createUser, makeApp, post, postRaw } from "./utils.ts"

// each test request says which client it is (the default reads the connection's peer, 127.0.0.1 for all of them)
const byHeader = (request: HttpServerRequest.HttpServerRequest) => Option.fromNullishOr(request.headers["x-client"])

const loginAs = (client: string, username: string, password: string, cookie?: string) =>
  postRaw(
    "/auth/bearer/login",
    new URLSearchParams({ username, password }).toString(),
    "application/x-www-form-urlencoded",
    { "x-client": client, ...(cookie === undefined ? {} : { cookie }) }
  )

const deviceCookieOf = (setCookie: string | undefined): string | undefined =>
  setCookie?.split(/,(?=\s*effect_users_device=)/u).map((part) => part.trim().split(";")[0]).find((part) =>
    part.startsWith("effect_users_device=")
  )

const protection = BruteForce.layerMemory({
  address: { limit: 30, window: "1 minute" },
  account: { limit: 6, window: "1 minute" },
  pair: { limit: 4, window: "1 minute" },
  delay: { free: 100, max: "50 millis" },
  clientAddress: byHeader,
  device: { secure: false }
})

describe("BruteForce: the routers' limits", () => {
  // the server on the live clock: the known device is slowed by a real (50 ms) sleep
  layer(makeApp({ requiresVerification: false, bruteForce: protection }), { excludeTestServices: true })((it) => {
    it.effect("per pair, then per account: 429 with Retry-After; other accounts unaffected", () =>
      Effect.gen(function*() {
        const { email } = yield* createUser()
        const statuses: Array<number> = []
        for (let i = 0; i < 5; i++) statuses.push((yield* loginAs("10.0.0.1", email, "wrong")).status)
        // the pair (10.0.0.1, email) allows 4
        assert.deepStrictEqual(statuses, [400, 400, 400, 400, 429])
        const refused = yield* loginAs("10.0.0.1", email, "wrong")
        assert.strictEqual(refused.status, 429)
        assert.deepStrictEqual(refused.json, { detail: "Too Many Requests" })
        const retryAfter = Number(refused.headers["retry-after"])
        assert.isTrue(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`)
        // the account allows 6 in all (the 6 above counted): another address is refused too, for this account only
        assert.strictEqual((yield* loginAs("10.0.0.2", email, "wrong")).status, 429)
        const other = yield* createUser()
        assert.strictEqual((yield* loginAs("10.0.0.2", other.email, "wrong")).status, 400)
      }))

    it.effect("per address: many accounts from one address are refused past its limit", () =>
      Effect.gen(function*() {
        const statuses: Array<number> = []
        for (let i = 0; i < 32; i++) statuses.push((yield* loginAs("10.0.1.1", `nobody${i}@example.com`, "x")).status)
        assert.deepStrictEqual(statuses.slice(0, 30), Array(30).fill(400))
        assert.deepStrictEqual(statuses.slice(30), [429, 429])
        // an IPv6 client rotating through its /64 is one client
        for (let i = 0; i < 30; i++) {
          yield* loginAs(`2001:db8:1:2::${i.toString(16)}`, `someone${i}@example.com`, "x")
        }
        assert.strictEqual((yield* loginAs("2001:db8:1:2:ffff::1", "else@example.com", "x")).status, 429)
        assert.strictEqual((yield* loginAs("2001:db8:1:3::1", "else@example.com", "x")).status, 400)
      }))

    it.effect("a known device logs in during an attack on its account; a new one is refused", () =>
      Effect.gen(function*() {
        const { email, password } = yield* createUser()
        const first = yield* loginAs("10.0.2.1", email, password)
        assert.strictEqual(first.status, 200)
        const device = deviceCookieOf(first.headers["set-cookie"])
        assert.isDefined(device)
        // the attack: the account's limit is spent from many addresses
        for (let i = 0; i < 10; i++) yield* loginAs(`10.0.3.${i}`, email, "guess")
        assert.strictEqual((yield* loginAs("10.0.4.1", email, password)).status, 429)
        // the owner's browser: slowed (at most 50 ms here), never refused
        const owner = yield* loginAs("10.0.2.1", email, password, device)
        assert.strictEqual(owner.status, 200)
        // a device cookie of another account, or forged, does not help
        const other = yield* createUser()
        const otherDevice = deviceCookieOf(
          (yield* loginAs("10.0.5.1", other.email, other.password)).headers["set-cookie"]
        )
        assert.strictEqual((yield* loginAs("10.0.2.1", email, password, otherDevice)).status, 429)
        assert.strictEqual((yield* loginAs("10.0.2.1", email, password, "effect_users_device=x.y")).status, 429)
      }))

    it.effect("register, forgot-password and request-verify-token count per account too", () =>
      Effect.gen(function*() {
        const { email } = yield* createUser()
        for (const path of ["/auth/forgot-password", "/auth/request-verify-token", "/auth/register"]) {
          const statuses: Array<number> = []
          for (let i = 0; i < 5; i++) {
            statuses.push((yield* post(path, { email, password: "abcdef" }, { "x-client": "10.0.6.1" })).status)
          }
          assert.strictEqual(statuses[4], 429, `${path}: ${statuses.join(",")}`)
        }
      }))
  })

  layer(makeApp({ requiresVerification: false }))((it) => {
    it.effect("not provided: no limit at all (FastAPI Users' contract)", () =>
      Effect.gen(function*() {
        const { email } = yield* createUser()
        for (let i = 0; i < 40; i++) assert.strictEqual((yield* loginAs("10.0.0.1", email, "wrong")).status, 400)
      }))
  })
})

describe("BruteForce: the middleware", () => {
  // the endpoint and group as the builder sees them
  let endpoint: Endpoint.Top | undefined
  let group: Group.Top | undefined
  HttpApi.reflect(
    HttpApi.make("a").add(
      HttpApiGroup.make("g").add(
        HttpApiEndpoint.post("x", "/x").annotate(BruteForceMiddleware.Protected, {
          route: "login",
          account: "username"
        })
      )
    ),
    { onGroup: (found) => void (group = found.group), onEndpoint: (found) => void (endpoint = found.endpoint) }
  )
  const handler = Effect.succeed(HttpServerResponse.empty())
  const apply = Effect.gen(function*() {
    const middleware = yield* BruteForceMiddleware.Middleware
    assert.isDefined(endpoint)
    assert.isDefined(group)
    return middleware(handler, { endpoint, group })
  })

  it.effect("off: the endpoint's handler is returned unchanged (no cost per request)", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* apply, handler)
    }).pipe(Effect.provide(BruteForceMiddleware.layer)))

  it.effect("on: the handler is wrapped", () =>
    Effect.gen(function*() {
      assert.notStrictEqual(yield* apply, handler)
    }).pipe(Effect.provide(BruteForceMiddleware.layer.pipe(Layer.provide(BruteForce.layerMemory())))))
})

describe("BruteForce: the checks", () => {
  it.effect("progressive delay: free attempts, then doubling, capped; the cap for a known device over the limit", () =>
    Effect.gen(function*() {
      const bruteForce = yield* BruteForce.make({
        account: { limit: 6, window: "1 minute" },
        pair: { limit: 100, window: "1 minute" },
        delay: { free: 2, base: "100 millis", max: "350 millis" }
      })
      const attempt = (knownDevice: boolean) =>
        bruteForce.check({ route: "login", address: "10.0.0.1", account: Option.some("a@b.c"), knownDevice })
      const delays: Array<number | string> = []
      for (let i = 0; i < 8; i++) {
        const verdict = yield* attempt(i === 7)
        delays.push(verdict._tag === "Allow" ? Duration.toMillis(verdict.delay) : "refused")
      }
      assert.deepStrictEqual(delays, [0, 0, 100, 200, 350, 350, "refused", 350])
    }).pipe(Effect.provide(RateLimiter.layer.pipe(Layer.provide(RateLimiter.layerStoreMemory)))))

  it("clientKey: IPv6 by /64, IPv4-mapped as IPv4", () => {
    assert.strictEqual(BruteForce.clientKey("2001:db8:0:1:2:3:4:5"), "2001:db8:0:1::/64")
    assert.strictEqual(BruteForce.clientKey("2001:DB8::1"), "2001:db8:0:0::/64")
    assert.strictEqual(BruteForce.clientKey("[2001:db8:0:1::9]"), "2001:db8:0:1::/64")
    assert.strictEqual(BruteForce.clientKey("fe80::1%eth0"), "fe80:0:0:0::/64")
    assert.strictEqual(BruteForce.clientKey("::ffff:192.0.2.7"), "192.0.2.7")
    assert.strictEqual(BruteForce.clientKey("192.0.2.7"), "192.0.2.7")
    assert.strictEqual(BruteForce.clientKey("::1"), "0:0:0:0::/64")
  })
})
