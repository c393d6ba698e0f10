import * as JwtKeySet from "@effect-users/strategy-jwt/JwtKeySet"
import * as JwtStrategy from "@effect-users/strategy-jwt/JwtStrategy"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from "jose"
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto"
import { layerFixedUsers, makeUser, USER_ID } from "./utils.ts"

const user = makeUser(USER_ID)
const users = layerFixedUsers([user])
const algorithms = ["RS256", "ES256", "EdDSA"] as const
const privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

const readable = (
  strategy: { readonly readToken: (t: string) => Effect.Effect<Option.Option<unknown>, unknown> },
  token: string
) => Effect.map(strategy.readToken(token), Option.isSome)

describe("make", () => {
  for (const algorithm of algorithms) {
    it.effect(`${algorithm}: kid defaults to the RFC 7638 thumbprint of the public key; an explicit kid is kept`, () =>
      Effect.gen(function*() {
        const pem = yield* JwtKeySet.generatePem(algorithm)
        const keys = yield* JwtKeySet.make({ algorithm, signing: { privateKey: pem.privateKey } })
        const expected = yield* Effect.promise(() => calculateJwkThumbprint(createPublicKey(pem.publicKey)))
        assert.strictEqual(keys.kid, expected)
        const named = yield* JwtKeySet.make({ algorithm, signing: { privateKey: pem.privateKey, kid: "2026-11" } })
        assert.strictEqual(named.kid, "2026-11")
        assert.deepStrictEqual([...named.verificationKeys.keys()], ["2026-11"])
      }))
  }

  it.effect("accepts a private JWK as well as PEM", () =>
    Effect.gen(function*() {
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" })
      const keys = yield* JwtKeySet.make({
        algorithm: "ES256",
        signing: { privateKey: Redacted.make(privateKey.export({ format: "jwk" })), kid: "jwk" }
      })
      const strategy = yield* JwtStrategy.make({ keys })
      assert.isTrue(yield* readable(strategy, yield* strategy.writeToken(user)))
    }).pipe(Effect.provide(users)))

  const mismatches = [
    ["an EC key for RS256", "RS256", () => generateKeyPairSync("ec", { namedCurve: "prime256v1" })],
    ["a 1024-bit RSA key for RS256", "RS256", () => generateKeyPairSync("rsa", { modulusLength: 1024 })],
    ["an RSA-PSS key for RS256", "RS256", () => generateKeyPairSync("rsa-pss", { modulusLength: 2048 })],
    ["a P-384 key for ES256", "ES256", () => generateKeyPairSync("ec", { namedCurve: "secp384r1" })],
    ["an Ed448 key for EdDSA", "EdDSA", () => generateKeyPairSync("ed448")],
    ["an RSA key for EdDSA", "EdDSA", () => generateKeyPairSync("rsa", { modulusLength: 2048 })]
  ] as const
  for (const [name, algorithm, generate] of mismatches) {
    it.effect(`refuses ${name}`, () =>
      Effect.gen(function*() {
        const pair = generate()
        const privateKey = Redacted.make(pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString())
        const error = yield* Effect.flip(JwtKeySet.make({ algorithm, signing: { privateKey } }))
        assert.strictEqual(error._tag, "JwtKeyError")
        assert.include(error.message, algorithm)
        const publicKey = pair.publicKey.export({ type: "spki", format: "pem" }).toString()
        const good = yield* JwtKeySet.generatePem(algorithm)
        const error2 = yield* Effect.flip(
          JwtKeySet.make({ algorithm, signing: { privateKey: good.privateKey }, verification: [{ publicKey }] })
        )
        assert.strictEqual(error2._tag, "JwtKeyError")
      }))
  }

  it.effect("refuses duplicate and empty kids", () =>
    Effect.gen(function*() {
      const a = yield* JwtKeySet.generatePem("EdDSA")
      const b = yield* JwtKeySet.generatePem("EdDSA")
      const duplicate = yield* Effect.flip(JwtKeySet.make({
        algorithm: "EdDSA",
        signing: { privateKey: a.privateKey, kid: "k" },
        verification: [{ publicKey: b.publicKey, kid: "k" }]
      }))
      assert.include(duplicate.message, "duplicate kid")
      const empty = yield* Effect.flip(
        JwtKeySet.make({ algorithm: "EdDSA", signing: { privateKey: a.privateKey, kid: "" } })
      )
      assert.include(empty.message, "empty")
    }))
})

describe("jwks", () => {
  for (const algorithm of algorithms) {
    it.effect(`${algorithm}: public members only, with kid, alg and use; current key first; usable by jose`, () =>
      Effect.gen(function*() {
        const old = yield* JwtKeySet.generatePem(algorithm)
        const current = yield* JwtKeySet.generatePem(algorithm)
        const keys = yield* JwtKeySet.make({
          algorithm,
          signing: { privateKey: current.privateKey, kid: "current" },
          verification: [{ publicKey: old.publicKey, kid: "old" }]
        })
        const document = JwtKeySet.jwks(keys)
        assert.deepStrictEqual(document.keys.map((k) => k.kid), ["current", "old"])
        for (const jwk of document.keys) {
          assert.strictEqual(jwk.alg, algorithm)
          assert.strictEqual(jwk.use, "sig")
          assert.strictEqual(jwk.kty, { RS256: "RSA", ES256: "EC", EdDSA: "OKP" }[algorithm])
          for (const member of privateMembers) assert.notProperty(jwk, member)
        }
        assert.deepStrictEqual(
          { ...document.keys[0], kid: undefined, alg: undefined, use: undefined },
          {
            ...createPublicKey(Redacted.value(current.privateKey)).export({ format: "jwk" }),
            kid: undefined,
            alg: undefined,
            use: undefined
          }
        )
        // a third party verifies our tokens with the published document
        const strategy = yield* JwtStrategy.make({ keys, lifetime: "1 hour" })
        const token = yield* strategy.writeToken(user)
        const verified = yield* Effect.promise(() =>
          jwtVerify(token, createLocalJWKSet({ keys: [...document.keys] }), {
            audience: "fastapi-users:auth",
            currentDate: new Date(0)
          }) // TestClock time
        )
        assert.strictEqual(verified.payload.sub, USER_ID)
        assert.strictEqual(JSON.parse(JSON.stringify(document)).keys.length, 2)
      }).pipe(Effect.provide(users)))
  }
})

describe("rotation", () => {
  for (const algorithm of algorithms) {
    it.effect(`${algorithm}: a token of the previous key verifies after rotation, one of a removed key does not`, () =>
      Effect.gen(function*() {
        const first = yield* JwtKeySet.generatePem(algorithm)
        const second = yield* JwtKeySet.generatePem(algorithm)
        const keys1 = yield* JwtKeySet.make({ algorithm, signing: { privateKey: first.privateKey, kid: "k1" } })
        const before = yield* JwtStrategy.make({ keys: keys1, lifetime: "1 hour" })
        const oldToken = yield* before.writeToken(user)

        const keys2 = yield* JwtKeySet.rotate(keys1, { privateKey: second.privateKey, kid: "k2" })
        assert.strictEqual(keys2.kid, "k2")
        assert.deepStrictEqual([...keys2.verificationKeys.keys()], ["k2", "k1"])
        const after = yield* JwtStrategy.make({ keys: keys2, lifetime: "1 hour" })
        const newToken = yield* after.writeToken(user)
        assert.include(Buffer.from(newToken.split(".")[0] ?? "", "base64url").toString(), `"kid":"k2"`)
        assert.isTrue(yield* readable(after, oldToken), "the previous key's token still verifies")
        assert.isTrue(yield* readable(after, newToken))
        assert.isFalse(yield* readable(before, newToken), "the old set does not know the new key")

        const keys3 = yield* JwtKeySet.removeKey(keys2, "k1")
        const pruned = yield* JwtStrategy.make({ keys: keys3, lifetime: "1 hour" })
        assert.isFalse(yield* readable(pruned, oldToken), "a removed key's token no longer verifies")
        assert.isTrue(yield* readable(pruned, newToken))
        assert.deepStrictEqual(JwtKeySet.jwks(keys3).keys.map((k) => k.kid), ["k2"])
      }).pipe(Effect.provide(users)))
  }

  it.effect("the same rotation configured from scratch: the old public key as a verification key", () =>
    Effect.gen(function*() {
      const first = yield* JwtKeySet.generatePem("ES256")
      const second = yield* JwtKeySet.generatePem("ES256")
      const v1 = yield* JwtStrategy.make({
        keys: yield* JwtKeySet.make({ algorithm: "ES256", signing: { privateKey: first.privateKey, kid: "v1" } })
      })
      const token = yield* v1.writeToken(user)
      const v2 = yield* JwtStrategy.make({
        keys: yield* JwtKeySet.make({
          algorithm: "ES256",
          signing: { privateKey: second.privateKey, kid: "v2" },
          verification: [{ publicKey: first.publicKey, kid: "v1" }]
        })
      })
      assert.isTrue(yield* readable(v2, token))
      const wrongKid = yield* JwtStrategy.make({
        keys: yield* JwtKeySet.make({
          algorithm: "ES256",
          signing: { privateKey: second.privateKey, kid: "v2" },
          verification: [{ publicKey: first.publicKey, kid: "v0" }]
        })
      })
      assert.isFalse(yield* readable(wrongKid, token), "keys are selected by kid")
    }).pipe(Effect.provide(users)))

  it.effect("removeKey refuses the current signing key and unknown kids", () =>
    Effect.gen(function*() {
      const pem = yield* JwtKeySet.generatePem("EdDSA")
      const keys = yield* JwtKeySet.make({ algorithm: "EdDSA", signing: { privateKey: pem.privateKey, kid: "only" } })
      assert.include((yield* Effect.flip(JwtKeySet.removeKey(keys, "only"))).message, "current signing key")
      assert.include((yield* Effect.flip(JwtKeySet.removeKey(keys, "nope"))).message, "not in the key set")
    }))

  it.effect("rotate refuses a new key whose kid is already in the set", () =>
    Effect.gen(function*() {
      const a = yield* JwtKeySet.generatePem("EdDSA")
      const b = yield* JwtKeySet.generatePem("EdDSA")
      const keys = yield* JwtKeySet.make({ algorithm: "EdDSA", signing: { privateKey: a.privateKey, kid: "k" } })
      const error = yield* Effect.flip(JwtKeySet.rotate(keys, { privateKey: b.privateKey, kid: "k" }))
      assert.include(error.message, "duplicate kid")
    }))
})

describe("generatePem", () => {
  for (const algorithm of algorithms) {
    it.effect(`${algorithm}: a PKCS#8 private key and its SPKI public key`, () =>
      Effect.gen(function*() {
        const pem = yield* JwtKeySet.generatePem(algorithm)
        assert.match(Redacted.value(pem.privateKey), /^-----BEGIN PRIVATE KEY-----/u)
        assert.match(pem.publicKey, /^-----BEGIN PUBLIC KEY-----/u)
        assert.deepStrictEqual(
          createPublicKey(createPrivateKey(Redacted.value(pem.privateKey))).export({ format: "jwk" }),
          createPublicKey(pem.publicKey).export({ format: "jwk" })
        )
      }))
  }
})
