/**
 * Property-based tests (effect's own generators, through `it.prop`) of the e-mail rules, the e-mail key and the
 * verification and reset tokens.
 *
 * @see issue 13 (fuzzing: property-based tests on the schemas, the e-mail rules and the token codecs)
 */
import * as DeliveryQueue from "@effect-users/core/DeliveryQueue"
import * as Email from "@effect-users/core/Email"
import * as UserManager from "@effect-users/core/UserManager"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result, Schema } from "effect"
import { makeEnv } from "./utils.ts"

const decode = Schema.decodeUnknownResult(Email.Email)
// Local parts and domains built from a mix of ASCII, Latin-1, combining marks, other scripts and emoji.
const Piece = Schema.String
const Index = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 10_000 }))

describe("properties", () => {
  it.prop(
    "decoding any string never throws, and what it accepts decodes again to itself",
    [Schema.String],
    ([input]) => {
      const first = decode(input)
      if (Result.isSuccess(first)) {
        const again = decode(first.success)
        assert.isTrue(Result.isSuccess(again), `${JSON.stringify(first.success)} is accepted again`)
        if (Result.isSuccess(again)) assert.strictEqual(again.success, first.success)
      }
    }
  )

  it.prop("an accepted address has its local part in NFC and at most 254 UTF-8 bytes", [Piece, Piece], ([a, b]) => {
    const result = decode(`${a}@${b}.example.com`)
    if (Result.isSuccess(result)) {
      const stored = result.success
      assert.strictEqual(stored.normalize("NFC"), stored)
      assert.isAtMost(new TextEncoder().encode(stored).length, 254)
    }
  })

  it.prop("Email.key is idempotent and ignores case and composition", [Schema.String], ([s]) => {
    const key = Email.key(s)
    assert.strictEqual(Email.key(key), key)
    assert.strictEqual(Email.key(s.normalize("NFD")), key)
    assert.strictEqual(Email.key(s.toLowerCase()), key)
  })

  it.effect.prop(
    "a verification token with any one character changed is refused",
    [Index, Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(1))],
    ([position, replacement]) => {
      const env = makeEnv()
      return Effect.gen(function*() {
        const manager = yield* UserManager.UserManager
        const user = yield* manager.create({ email: "prop@example.com", password: "x" })
        yield* manager.requestVerify(user)
        yield* DeliveryQueue.flush
        const token = String(env.calls("sendVerifyToken").at(-1)?.args[1] ?? "")
        assert.notStrictEqual(token, "")
        const at = position % token.length
        if (token[at] === replacement) return
        const tampered = `${token.slice(0, at)}${replacement}${token.slice(at + 1)}`
        const error = yield* Effect.flip(manager.verify(tampered))
        assert.strictEqual(error._tag, "InvalidVerifyToken", `changed position ${at}`)
        // the untouched token still verifies (the property is about the change, not a broken setup)
        assert.isTrue((yield* manager.verify(token)).is_verified)
      }).pipe(Effect.provide(env.layer))
    },
    { timeout: 60_000, arbitrary: { runs: 100 } }
  )
})
