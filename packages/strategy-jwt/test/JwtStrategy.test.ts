import * as JwtKeySet from "@effect-users/strategy-jwt/JwtKeySet"
import * as JwtStrategy from "@effect-users/strategy-jwt/JwtStrategy"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { createHmac } from "node:crypto"
import { inspect } from "node:util"
import {
  asymmetricPath,
  decodeSegment,
  forge,
  hs256Path,
  layerFixedUsers,
  makeUser,
  NOW,
  SECRET,
  USER_ID
} from "./utils.ts"

const user = makeUser(USER_ID)
const users = layerFixedUsers([user])
const secret = Redacted.make(SECRET)

describe("writeToken", () => {
  it.effect("HS256: FastAPI Users' exact header, claims in order sub, aud, exp = now + lifetime (seconds, floored)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW + 999)
      const strategy = yield* JwtStrategy.make({ secret, lifetime: "1 hour" })
      const token = yield* strategy.writeToken(user)
      const [header, payload, signature] = token.split(".")
      assert.strictEqual(Buffer.from(header ?? "", "base64url").toString(), `{"alg":"HS256","typ":"JWT"}`)
      assert.strictEqual(
        Buffer.from(payload ?? "", "base64url").toString(),
        `{"sub":"${USER_ID}","aud":["fastapi-users:auth"],"exp":${NOW / 1000 + 3600}}`
      )
      const expected = createHmac("sha256", SECRET).update(`${header}.${payload}`).digest("base64url")
      assert.strictEqual(signature, expected)
    }).pipe(Effect.provide(users)))

  it.effect("no exp when the lifetime is absent, zero or infinite", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      for (const lifetime of [undefined, 0, "0 seconds", "Infinity"] as const) {
        const strategy = yield* JwtStrategy.make({ secret, lifetime })
        const token = yield* strategy.writeToken(user)
        assert.deepStrictEqual(decodeSegment(token, 1), { sub: USER_ID, aud: ["fastapi-users:auth"] }, `${lifetime}`)
      }
    }).pipe(Effect.provide(users)))

  it.effect("a custom audience is written as a list", () =>
    Effect.gen(function*() {
      const strategy = yield* JwtStrategy.make({ secret, audience: ["a", "b"] })
      assert.deepStrictEqual(decodeSegment(yield* strategy.writeToken(user), 1), { sub: USER_ID, aud: ["a", "b"] })
    }).pipe(Effect.provide(users)))

  it.effect("non-ASCII audience values are escaped as PyJWT's json.dumps does", () =>
    Effect.gen(function*() {
      const strategy = yield* JwtStrategy.make({ secret, audience: ["é😀\u007f"] })
      const payload = Buffer.from((yield* strategy.writeToken(user)).split(".")[1] ?? "", "base64url").toString()
      assert.strictEqual(payload, `{"sub":"${USER_ID}","aud":["\\u00e9\\ud83d\\ude00\\u007f"]}`)
    }).pipe(Effect.provide(users)))

  for (const algorithm of ["RS256", "ES256", "EdDSA"] as const) {
    it.effect(`${algorithm}: header {alg, kid, typ} (PyJWT's sorted order), same claims`, () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(NOW)
        const path = yield* asymmetricPath(algorithm)
        const strategy = yield* JwtStrategy.make(path.options)
        const token = yield* strategy.writeToken(user)
        assert.strictEqual(
          Buffer.from(token.split(".")[0] ?? "", "base64url").toString(),
          `{"alg":"${algorithm}","kid":"${path.kid}","typ":"JWT"}`
        )
        assert.deepStrictEqual(decodeSegment(token, 1), {
          sub: USER_ID,
          aud: ["fastapi-users:auth"],
          exp: NOW / 1000 + 3600
        })
      }).pipe(Effect.provide(users)))
  }
})

describe("readToken", () => {
  it.effect("a token is valid until exp (TestClock), then None", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const strategy = yield* JwtStrategy.make({ secret, lifetime: "1 hour" })
      const token = yield* strategy.writeToken(user)
      yield* TestClock.adjust("59 minutes")
      yield* TestClock.adjust("59 seconds")
      assert.isTrue(Option.isSome(yield* strategy.readToken(token)))
      yield* TestClock.adjust("999 millis")
      assert.isTrue(Option.isSome(yield* strategy.readToken(token)))
      yield* TestClock.adjust("1 millis")
      assert.isTrue(Option.isNone(yield* strategy.readToken(token)))
    }).pipe(Effect.provide(users)))

  it.effect("a token without exp never expires", () =>
    Effect.gen(function*() {
      const strategy = yield* JwtStrategy.make({ secret })
      const token = yield* strategy.writeToken(user)
      yield* TestClock.adjust("3650 days")
      assert.isTrue(Option.isSome(yield* strategy.readToken(token)))
    }).pipe(Effect.provide(users)))

  it.effect("accepts any token whose aud overlaps the configured list", () =>
    Effect.gen(function*() {
      const writer = yield* JwtStrategy.make({ secret, audience: ["x", "shared"] })
      const reader = yield* JwtStrategy.make({ secret, audience: ["shared", "y"] })
      const other = yield* JwtStrategy.make({ secret, audience: ["y"] })
      const token = yield* writer.writeToken(user)
      assert.isTrue(Option.isSome(yield* reader.readToken(token)))
      assert.isTrue(Option.isNone(yield* other.readToken(token)))
    }).pipe(Effect.provide(users)))

  it.effect("sub is parsed with the model's id kind, as FastAPI Users' parse_id (uuid.UUID)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const strategy = yield* JwtStrategy.make({ secret })
      const header = { alg: "HS256", typ: "JWT" }
      const aud = ["fastapi-users:auth"]
      for (const sub of [USER_ID.toUpperCase(), USER_ID.replaceAll("-", ""), `urn:uuid:${USER_ID}`]) {
        const found = yield* strategy.readToken(forge("HS256", hs256Path.key, header, { sub, aud }))
        assert.strictEqual(Option.getOrThrow(found).id, USER_ID, sub)
      }
      const invalid = yield* strategy.readToken(forge("HS256", hs256Path.key, header, { sub: "not-a-uuid", aud }))
      assert.isTrue(Option.isNone(invalid))
    }).pipe(Effect.provide(users)))

  it.effect("an empty configured audience accepts nothing (PyJWT: no overlap)", () =>
    Effect.gen(function*() {
      const strategy = yield* JwtStrategy.make({ secret, audience: [] })
      assert.isTrue(Option.isNone(yield* strategy.readToken(yield* strategy.writeToken(user))))
    }).pipe(Effect.provide(users)))

  it.effect("an empty aud string is missing, even for an audience that lists \"\" (PyJWT)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const strategy = yield* JwtStrategy.make({ secret, audience: [""] })
      const header = { alg: "HS256", typ: "JWT" }
      assert.isTrue(
        Option.isSome(yield* strategy.readToken(forge("HS256", hs256Path.key, header, { sub: USER_ID, aud: [""] })))
      )
      assert.isTrue(
        Option.isNone(yield* strategy.readToken(forge("HS256", hs256Path.key, header, { sub: USER_ID, aud: "" })))
      )
    }).pipe(Effect.provide(users)))
})

describe("codec", () => {
  const paths = [Effect.succeed(hs256Path), asymmetricPath("RS256")] as const
  for (const makePath of paths) {
    it.effect("verify yields the sub only when it is a string (PyJWT: InvalidSubjectError)", () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(NOW)
        const path = yield* makePath
        const codec = yield* JwtStrategy.makeCodec(path.options)
        const header = path.kid === undefined ? { alg: path.algorithm } : { alg: path.algorithm, kid: path.kid }
        const token = (sub: unknown) => forge(path.algorithm, path.key, header, { sub, aud: "fastapi-users:auth" })
        assert.deepStrictEqual(yield* codec.verify(token("42")), Option.some("42"))
        assert.deepStrictEqual(yield* codec.verify(token(42)), Option.none())
        assert.deepStrictEqual(yield* codec.verify(token(["42"])), Option.none())
      }))
  }
})

describe("destroy", () => {
  it.effect("destroyToken and destroyAllForUser fail with DestroyNotSupported and FastAPI Users' message", () =>
    Effect.gen(function*() {
      const strategy = yield* JwtStrategy.make({ secret })
      const token = yield* strategy.writeToken(user)
      for (
        const error of [
          yield* Effect.flip(strategy.destroyToken(token, user)),
          yield* Effect.flip(strategy.destroyAllForUser(user))
        ]
      ) {
        assert.strictEqual(error._tag, "DestroyNotSupported")
        assert.strictEqual(error.message, "A JWT can't be invalidated: it's valid until it expires.")
      }
      // and the token still reads: nothing was revoked
      assert.isTrue(Option.isSome(yield* strategy.readToken(token)))
    }).pipe(Effect.provide(users)))
})

describe("key material is never logged or serialised", () => {
  it.effect("options, strategy and key set print no secret, PEM or private JWK member", () =>
    Effect.gen(function*() {
      const pem = yield* JwtKeySet.generatePem("RS256")
      const keys = yield* JwtKeySet.make({ algorithm: "RS256", signing: { privateKey: pem.privateKey } })
      const hs = yield* JwtStrategy.make({ secret, lifetime: "1 hour" })
      const rs = yield* JwtStrategy.make({ keys })
      const privateBody = Redacted.value(pem.privateKey).split("\n")[1] ?? ""
      assert.isTrue(privateBody.length > 20)
      for (
        const value of [
          { secret },
          hs,
          rs,
          keys,
          pem,
          yield* JwtStrategy.makeCodec({ secret }),
          yield* JwtStrategy.makeCodec({ keys })
        ]
      ) {
        for (const text of [JSON.stringify(value), inspect(value, { depth: 10, showHidden: true }), String(value)]) {
          assert.notInclude(text, SECRET)
          assert.notInclude(text, privateBody)
          assert.notMatch(text, /"d":/u)
        }
      }
      assert.strictEqual(JSON.stringify({ secret }), `{"secret":"<redacted>"}`)
      assert.include(inspect(keys.signingKey), "redacted")
    }).pipe(Effect.provide(users)))

  it.effect("a private key that cannot be imported fails without quoting it", () =>
    Effect.gen(function*() {
      const garbage = "-----BEGIN PRIVATE KEY-----\nTOP-SECRET-MATERIAL\n-----END PRIVATE KEY-----\n"
      const error = yield* Effect.flip(
        JwtKeySet.make({ algorithm: "ES256", signing: { privateKey: Redacted.make(garbage) } })
      )
      assert.strictEqual(error._tag, "JwtKeyError")
      assert.notInclude(error.message + inspect(error), "TOP-SECRET")
    }))
})

describe("HS256 verification is synchronous", () => {
  it("runs without a scheduler tick (no thread pool, no promise)", () => {
    const codec = Effect.runSync(JwtStrategy.makeCodec({ secret }))
    const token = forge("HS256", hs256Path.key, { alg: "HS256", typ: "JWT" }, {
      sub: USER_ID,
      aud: ["fastapi-users:auth"]
    })
    assert.deepStrictEqual(Effect.runSync(codec.verify(token)), Option.some(USER_ID))
    assert.deepStrictEqual(Effect.runSync(codec.verify(`${token}x`)), Option.none())
  })
})

describe("the HS256 secret (issue 13: an empty or one-character secret was accepted)", () => {
  it.effect.each([
    ["empty", ""],
    ["one character", "x"],
    ["31 bytes", "a".repeat(31)],
    ["15 two-byte characters (30 bytes)", "é".repeat(15)]
  ])("%s: refused when the strategy is built, with JwtSecretTooShort", ([, weak]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(JwtStrategy.make({ secret: Redacted.make(weak) }))
      assert.strictEqual(error._tag, "JwtSecretTooShort")
      assert.strictEqual(error.minimum, JwtStrategy.minimumSecretBytes)
      assert.strictEqual(error.bytes, Buffer.byteLength(weak, "utf8"))
      assert.include(error.message, "at least 32")
      const codec = yield* Effect.flip(JwtStrategy.makeCodec({ secret: Redacted.make(weak) }))
      assert.strictEqual(codec._tag, "JwtSecretTooShort")
    }).pipe(Effect.provide(users)))

  it.effect("32 bytes (also as 16 two-byte characters) is enough; the error never quotes the secret", () =>
    Effect.gen(function*() {
      for (const enough of ["a".repeat(32), "é".repeat(16)]) {
        const strategy = yield* JwtStrategy.make({ secret: Redacted.make(enough) })
        assert.isTrue(Option.isSome(yield* strategy.readToken(yield* strategy.writeToken(user))))
      }
      const error = yield* Effect.flip(JwtStrategy.make({ secret: Redacted.make("hunter2-secret") }))
      assert.notInclude(`${error.message} ${inspect(error)} ${JSON.stringify(error)}`, "hunter2")
    }).pipe(Effect.provide(users)))
})
