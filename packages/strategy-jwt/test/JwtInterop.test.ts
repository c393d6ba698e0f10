/**
 * Interoperability with FastAPI Users 15.0.5 (PyJWT 2.15), both ways:
 * - tokens FastAPI Users minted (test/fixtures/fastapi-users.json, made by test/fixtures/generate.py) are accepted
 *   here, and ours are byte-identical to them for the same claims;
 * - tokens minted here are decoded by PyJWT and resolved by FastAPI Users' own `JWTStrategy.read_token`, on every
 *   run, by spawning the reference venv's python (test/fixtures/pyjwt_check.py).
 */
import * as JwtKeySet from "@effect-users/strategy-jwt/JwtKeySet"
import * as JwtStrategy from "@effect-users/strategy-jwt/JwtStrategy"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { decodeSegment, layerFixedUsers, makeUser, NOW, USER_ID } from "./utils.ts"

interface AsymmetricFixture {
  readonly privateKey: string
  readonly publicKey: string
  readonly token: string
  readonly token_no_exp: string
}

interface Fixtures {
  readonly generator: string
  readonly hs256: {
    readonly secret: string
    readonly sub: string
    readonly explicit_exp: number
    readonly tokens: {
      readonly strategy_no_exp: string
      readonly strategy_lifetime: string
      readonly explicit_exp: string
      readonly custom_audience: string
      readonly string_audience: string
    }
  }
  readonly asymmetric: Record<JwtKeySet.Algorithm, AsymmetricFixture>
}

const fixtures: Fixtures = JSON.parse(
  readFileSync(fileURLToPath(new URL("./fixtures/fastapi-users.json", import.meta.url)), "utf8")
)
const { hs256 } = fixtures
const secret = Redacted.make(hs256.secret)
const users = layerFixedUsers([makeUser(USER_ID)])
const algorithms = ["RS256", "ES256", "EdDSA"] as const

const readsUser = (options: JwtStrategy.Options, token: string) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(NOW)
    const strategy = yield* JwtStrategy.make(options)
    const user = yield* strategy.readToken(token)
    assert.strictEqual(Option.getOrThrow(user).id, USER_ID)
  }).pipe(Effect.provide(users))

describe("FastAPI Users tokens are accepted here", () => {
  it("the fixtures were minted by FastAPI Users", () => {
    assert.match(fixtures.generator, /^fastapi-users 15\.0\.5, PyJWT 2\./u)
    assert.strictEqual(hs256.sub, USER_ID)
  })

  it.effect("HS256, JWTStrategy without lifetime (no exp)", () => readsUser({ secret }, hs256.tokens.strategy_no_exp))

  it.effect("HS256, JWTStrategy with a lifetime (exp in 2096)", () =>
    readsUser({ secret, lifetime: "1 hour" }, hs256.tokens.strategy_lifetime))

  it.effect("HS256, explicit claims with exp", () => readsUser({ secret }, hs256.tokens.explicit_exp))

  it.effect("HS256, a custom audience list overlapping ours", () =>
    readsUser({ secret, audience: ["my-app"] }, hs256.tokens.custom_audience))

  it.effect("HS256, aud as a plain string", () => readsUser({ secret }, hs256.tokens.string_audience))

  it.effect("HS256, refused with another secret", () =>
    Effect.gen(function*() {
      const strategy = yield* JwtStrategy.make({ secret: Redacted.make(`${hs256.secret}!`) })
      assert.isTrue(Option.isNone(yield* strategy.readToken(hs256.tokens.explicit_exp)))
    }).pipe(Effect.provide(users)))

  for (const algorithm of algorithms) {
    const fixture = fixtures.asymmetric[algorithm]
    const keys = JwtKeySet.make({ algorithm, signing: { privateKey: Redacted.make(fixture.privateKey) } })
    it.effect(`${algorithm}, JWTStrategy with a lifetime (no kid: checked against the current key)`, () =>
      Effect.flatMap(keys, (keys) => readsUser({ keys }, fixture.token)))
    it.effect(`${algorithm}, JWTStrategy without lifetime`, () =>
      Effect.flatMap(keys, (keys) => readsUser({ keys }, fixture.token_no_exp)))
    it.effect(`${algorithm}, a token without kid is not tried against older verification keys`, () =>
      Effect.gen(function*() {
        // the signing key is another one; FastAPI Users' key is only known by its public key and kid
        const { privateKey } = yield* JwtKeySet.generatePem(algorithm)
        const rotated = yield* JwtKeySet.make({
          algorithm,
          signing: { privateKey },
          verification: [{ publicKey: fixture.publicKey, kid: "fastapi-users" }]
        })
        const strategy = yield* JwtStrategy.make({ keys: rotated })
        // without kid the token is checked against the current key only
        assert.isTrue(Option.isNone(yield* strategy.readToken(fixture.token)))
      }).pipe(Effect.provide(users)))
  }
})

describe("tokens minted here are byte-identical to FastAPI Users' for the same claims", () => {
  it.effect("HS256 with a lifetime: same header, claims order, exp and signature", () =>
    Effect.gen(function*() {
      // exp = now + lifetime, truncated to the second as PyJWT does
      yield* TestClock.setTime((hs256.explicit_exp - 3600) * 1000 + 999)
      const strategy = yield* JwtStrategy.make({ secret, lifetime: "1 hour" })
      assert.strictEqual(yield* strategy.writeToken(makeUser(USER_ID)), hs256.tokens.explicit_exp)
    }).pipe(Effect.provide(users)))

  it.effect("HS256 without lifetime (and with lifetime 0): no exp", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      for (const options of [{ secret }, { secret, lifetime: 0 }, { secret, lifetime: "0 seconds" as const }]) {
        const strategy = yield* JwtStrategy.make(options)
        assert.strictEqual(yield* strategy.writeToken(makeUser(USER_ID)), hs256.tokens.strategy_no_exp)
      }
    }).pipe(Effect.provide(users)))

  it.effect("HS256 with a custom audience", () =>
    Effect.gen(function*() {
      const strategy = yield* JwtStrategy.make({ secret, audience: ["my-app", "other"] })
      assert.strictEqual(yield* strategy.writeToken(makeUser(USER_ID)), hs256.tokens.custom_audience)
    }).pipe(Effect.provide(users)))
})

// ---------------------------------------------------------------------------------------------------------------
// The other direction, on every run: PyJWT and FastAPI Users' JWTStrategy check tokens minted here.

interface PyCase {
  readonly token: string
  readonly algorithm: string
  readonly audience: ReadonlyArray<string>
  readonly key: string
  readonly publicKey?: string
}

interface PyResult {
  readonly header: Record<string, unknown>
  readonly payload?: Record<string, unknown>
  readonly user?: string | null
  readonly reencoded?: string
  readonly error?: string
}

const root = fileURLToPath(new URL("../../../", import.meta.url))

const pyjwtCheck = (cases: ReadonlyArray<PyCase>): ReadonlyArray<PyResult> => {
  const python = execFileSync("bash", ["scripts/reference/venv.sh"], { cwd: root, encoding: "utf8" }).trim()
  const script = fileURLToPath(new URL("./fixtures/pyjwt_check.py", import.meta.url))
  return JSON.parse(execFileSync(python, [script], { input: JSON.stringify(cases), encoding: "utf8" }))
}

describe("FastAPI Users accepts tokens minted here (PyJWT, spawned)", () => {
  // real clock: PyJWT checks exp against the real time
  it.live("HS256, RS256, ES256 and EdDSA tokens decode exactly and resolve the user in JWTStrategy.read_token", () =>
    Effect.gen(function*() {
      const user = makeUser(USER_ID)
      const cases: Array<PyCase & { readonly deterministic: boolean; readonly exp: boolean }> = []
      for (const [audience, lifetime] of [[undefined, "1 hour"], [["my-app", "other"], undefined]] as const) {
        const strategy = yield* JwtStrategy.make({ secret, audience, lifetime })
        cases.push({
          token: yield* strategy.writeToken(user),
          algorithm: "HS256",
          audience: audience ?? ["fastapi-users:auth"],
          key: hs256.secret,
          deterministic: true,
          exp: lifetime !== undefined
        })
      }
      for (const algorithm of algorithms) {
        const pem = yield* JwtKeySet.generatePem(algorithm)
        const keys = yield* JwtKeySet.make({ algorithm, signing: { privateKey: pem.privateKey, kid: "key-2026" } })
        const strategy = yield* JwtStrategy.make({ keys, lifetime: "1 hour" })
        cases.push({
          token: yield* strategy.writeToken(user),
          algorithm,
          audience: ["fastapi-users:auth"],
          key: Redacted.value(pem.privateKey),
          publicKey: pem.publicKey,
          deterministic: algorithm !== "ES256", // ECDSA signatures are randomised
          exp: true
        })
      }
      const results = pyjwtCheck(cases)
      assert.strictEqual(results.length, cases.length)
      cases.forEach((c, i) => {
        const result = results[i]
        assert.isDefined(result)
        if (result === undefined) return
        assert.isUndefined(result.error, `${c.algorithm}: ${result.error}`)
        assert.deepStrictEqual(result.header, decodeSegment(c.token, 0))
        assert.deepStrictEqual(result.payload, decodeSegment(c.token, 1))
        assert.deepStrictEqual(Object.keys(result.payload ?? {}), c.exp ? ["sub", "aud", "exp"] : ["sub", "aud"])
        assert.strictEqual(result.user, USER_ID, `${c.algorithm}: FastAPI Users' read_token`)
        if (c.deterministic) assert.strictEqual(result.reencoded, c.token, `${c.algorithm}: PyJWT re-encoding`)
      })
    }).pipe(Effect.provide(users)))

  it.live("PyJWT refuses a token minted here with another secret (the check can fail)", () =>
    Effect.gen(function*() {
      const strategy = yield* JwtStrategy.make({ secret, lifetime: "1 hour" })
      const token = yield* strategy.writeToken(makeUser(USER_ID))
      const [result] = pyjwtCheck([
        { token, algorithm: "HS256", audience: ["fastapi-users:auth"], key: `${hs256.secret}!` }
      ])
      assert.match(result?.error ?? "", /InvalidSignatureError/u)
    }).pipe(Effect.provide(users)))
})
