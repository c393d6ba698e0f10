/**
 * Property-based tests with fast-check (beside Properties.test.ts, which uses effect's own generators): the e-mail
 * rules, the e-mail key, the user model's wire schemas and the HS256 action-token codec, each over inputs fast-check
 * generates and shrinks (full Unicode, lone surrogates, control characters, JSON of any shape).
 *
 * @see issue 13 (property-based tests on the schemas, the e-mail rules and the token codecs)
 */
import * as ActionToken from "@effect-users/core/ActionToken"
import * as Email from "@effect-users/core/Email"
import * as User from "@effect-users/core/User"
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Option, Redacted, Result, Schema } from "effect"
import fc from "fast-check"

const decodeEmail = Schema.decodeUnknownResult(Email.Email)
const decodeCreate = Schema.decodeUnknownResult(User.defaultModel.Create)
const decodeUpdate = Schema.decodeUnknownResult(User.defaultModel.Update)
const decodeRead = Schema.decodeUnknownResult(User.defaultModel.Read)
const encodeRead = Schema.encodeUnknownResult(User.defaultModel.Read)
const utf8 = (s: string) => new TextEncoder().encode(s).length

/** Strings of any code units: full Unicode, lone surrogates, controls. */
const anyString = fc.string({ unit: "binary", maxLength: 300 })
const localAtom = fc.stringMatching(/^[a-z0-9!#$%&'*+/=?^_`{|}~-]{1,20}$/u)
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/u)
/** Addresses of the common shape: dot-atoms on a dotted domain (not special-use: `.example.com`). */
const plainAddress = fc.tuple(fc.array(localAtom, { minLength: 1, maxLength: 3 }), fc.array(label, { maxLength: 2 }))
  .map(([local, labels]) => `${local.join(".")}@${[...labels, "example", "com"].join(".")}`)

/** The address with each character's case flipped where the bit of `mask` says so. */
const recase = (address: string, mask: number) =>
  Array.from(address).map((c, i) => ((mask >> (i % 30)) & 1) === 1 ? c.toUpperCase() : c.toLowerCase()).join("")

describe("fast-check: the e-mail rules", () => {
  it("decoding any string never throws; what it accepts is NFC, at most 254 bytes, and decodes to itself", () => {
    fc.assert(
      fc.property(anyString, (input) => {
        const first = decodeEmail(input)
        if (Result.isFailure(first)) return
        const stored = first.success
        assert.strictEqual(stored.normalize("NFC"), stored)
        assert.isAtMost(utf8(stored), 254)
        const at = stored.lastIndexOf("@")
        assert.isAbove(at, 0)
        assert.isAtMost(utf8(stored.slice(0, at)), 64, "the local part has at most 64 bytes")
        const again = decodeEmail(stored)
        assert.isTrue(Result.isSuccess(again))
        if (Result.isSuccess(again)) assert.strictEqual(again.success, stored)
      }),
      { numRuns: 2_000 }
    )
  })

  it("an address of the common shape is accepted, and every case variant has the same key", () => {
    fc.assert(
      fc.property(plainAddress, fc.nat(), (address, mask) => {
        const result = decodeEmail(address)
        assert.isTrue(Result.isSuccess(result), address)
        const variant = recase(address, mask)
        const other = decodeEmail(variant)
        assert.isTrue(Result.isSuccess(other), variant)
        if (Result.isSuccess(result) && Result.isSuccess(other)) {
          assert.strictEqual(Email.key(other.success), Email.key(result.success))
        }
      }),
      { numRuns: 1_000 }
    )
  })

  // (a local part over 64 characters is accepted, as email-validator accepts it: EmailReference.integration.test.ts)
  it("an address over 254 bytes, or one without @, is refused", () => {
    fc.assert(fc.property(fc.array(label.filter((l) => l.length >= 5), { minLength: 45, maxLength: 60 }), (labels) => {
      assert.isTrue(Result.isFailure(decodeEmail(`someone@${labels.join(".")}.com`)))
    }))
    fc.assert(fc.property(anyString.filter((s) => !s.includes("@")), (s) => {
      assert.isTrue(Result.isFailure(decodeEmail(s)))
    }))
  })

  it("Email.key is idempotent and blind to case and to Unicode composition, on any string", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const key = Email.key(s)
        assert.strictEqual(Email.key(key), key)
        assert.strictEqual(Email.key(s.normalize("NFD")), key)
        // full case mapping may expand a character (ᾀ upper-cases to ἈΙ, which lower-cases to ἀι): different addresses
        // for FastAPI Users too (Python's str.lower), so blindness to case holds where upper-casing keeps the length
        const composed = s.normalize("NFC")
        if (composed.toUpperCase().length === composed.length) {
          assert.strictEqual(Email.key(composed.toUpperCase().toLowerCase()), Email.key(s.toLowerCase()))
        }
      }),
      { numRuns: 2_000 }
    )
  })
})

describe("fast-check: the user model's wire schemas", () => {
  it("UserCreate and UserUpdate decode any JSON without throwing; what they accept has a valid e-mail and password", () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({
        email: fc.oneof(plainAddress, anyString, fc.jsonValue()),
        password: fc.oneof(fc.string({ maxLength: 100 }), fc.jsonValue()),
        is_active: fc.oneof(fc.boolean(), fc.jsonValue()),
        is_superuser: fc.oneof(fc.boolean(), fc.jsonValue()),
        is_verified: fc.oneof(fc.boolean(), fc.jsonValue())
      }, { requiredKeys: [] })
    )
    fc.assert(
      fc.property(body, (input) => {
        const created = decodeCreate(input)
        if (Result.isSuccess(created)) {
          assert.isTrue(Result.isSuccess(decodeEmail(created.success.email)))
          assert.strictEqual(typeof created.success.password, "string")
          assert.isAtMost(created.success.password.length, User.MAX_PASSWORD_LENGTH)
        }
        const updated = decodeUpdate(input)
        if (Result.isSuccess(updated) && updated.success.email !== undefined && updated.success.email !== null) {
          assert.isTrue(Result.isSuccess(decodeEmail(updated.success.email)))
        }
      }),
      { numRuns: 2_000 }
    )
  })

  it("UserRead encodes a user and decodes it back unchanged, never with the hashed password", () => {
    const user = fc.record({
      id: fc.uuid({ version: 4 }),
      email: plainAddress,
      hashed_password: fc.string(),
      is_active: fc.boolean(),
      is_superuser: fc.boolean(),
      is_verified: fc.boolean()
    })
    fc.assert(
      fc.property(user, (value) => {
        const encoded = encodeRead(value)
        assert.isTrue(Result.isSuccess(encoded))
        if (Result.isFailure(encoded)) return
        assert.notProperty(encoded.success, "hashed_password")
        const decoded = decodeRead(encoded.success)
        assert.isTrue(Result.isSuccess(decoded))
        if (Result.isSuccess(decoded)) {
          const { hashed_password: _, ...visible } = value
          assert.deepStrictEqual(decoded.success, visible)
        }
      }),
      { numRuns: 500 }
    )
  })
})

describe("fast-check: the HS256 action-token codec", () => {
  const key = Effect.runSync(ActionToken.importKey(Redacted.make("fast-check-action-token-secret-0123456789")))
  const otherKey = Effect.runSync(ActionToken.importKey(Redacted.make("another-action-token-secret-0123456789ab")))
  const now = DateTime.makeUnsafe(Date.UTC(2026, 0, 1))
  const nowSeconds = Math.floor(Date.UTC(2026, 0, 1) / 1000)
  const audience = fc.constantFrom("fastapi-users:verify", "fastapi-users:reset")
  const claims = fc.record({ sub: fc.uuid({ version: 4 }), email: fc.oneof(plainAddress, anyString), aud: audience })
  const verify = (token: string, aud: string, with_ = key) =>
    Effect.runPromise(ActionToken.verify(with_, token, aud, now))
  const exp = nowSeconds + 3600

  it("a token verifies for its own audience with its claims, and for no other audience and under no other key", async () => {
    await fc.assert(
      fc.asyncProperty(claims, async (c) => {
        const token = ActionToken.signSync(key, { ...c, exp })
        const verified = await verify(token, c.aud)
        assert.isTrue(Option.isSome(verified))
        if (Option.isSome(verified)) {
          assert.strictEqual(verified.value.sub, c.sub)
          assert.strictEqual(verified.value.email, c.email)
        }
        const other = c.aud === "fastapi-users:verify" ? "fastapi-users:reset" : "fastapi-users:verify"
        assert.isTrue(Option.isNone(await verify(token, other)))
        assert.isTrue(Option.isNone(await verify(token, "fastapi-users:auth")))
        assert.isTrue(Option.isNone(await verify(token, c.aud, otherKey)))
      }),
      { numRuns: 300 }
    )
  })

  it("any one character changed, any character dropped or added, refuses the token", async () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "
    await fc.assert(
      fc.asyncProperty(
        claims,
        fc.nat(),
        fc.constantFrom(...alphabet),
        fc.constantFrom("replace", "drop", "insert"),
        async (c, at, char, how) => {
          const token = ActionToken.signSync(key, { ...c, exp })
          const i = at % token.length
          const changed = how === "replace"
            ? `${token.slice(0, i)}${char}${token.slice(i + 1)}`
            : how === "drop"
            ? `${token.slice(0, i)}${token.slice(i + 1)}`
            : `${token.slice(0, i)}${char}${token.slice(i)}`
          fc.pre(changed !== token)
          assert.isTrue(Option.isNone(await verify(changed, c.aud)), `${how} ${JSON.stringify(char)} at ${i}`)
        }
      ),
      { numRuns: 2_000 }
    )
  })

  it("an expired token, or one with no exp, is refused", async () => {
    await fc.assert(
      fc.asyncProperty(claims, fc.integer({ min: 0, max: 10 * 365 * 86_400 }), async (c, age) => {
        assert.isTrue(Option.isNone(await verify(ActionToken.signSync(key, { ...c, exp: nowSeconds - age }), c.aud)))
        assert.isTrue(Option.isNone(await verify(ActionToken.signSync(key, c), c.aud)))
      }),
      { numRuns: 300 }
    )
  })

  it("any string at all is refused without throwing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyString,
          fc.array(fc.base64String(), { minLength: 3, maxLength: 3 }).map((p) => p.join("."))
        ),
        audience,
        async (token, aud) => {
          assert.isTrue(Option.isNone(await verify(token, aud)))
        }
      ),
      { numRuns: 2_000 }
    )
  })
})
