import * as ActionToken from "@effect-users/core/ActionToken"
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Redacted, Result } from "effect"

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

describe("ActionToken", () => {
  it.effect("one token, one spelling: a signature whose last character differs only in its unused bits is refused", () =>
    Effect.gen(function*() {
      const key = yield* ActionToken.importKey(Redacted.make("action-token-secret-of-32-bytes-or-more"))
      const now = DateTime.makeUnsafe(1_800_000_000_000)
      const token = ActionToken.signSync(key, { sub: "1", aud: "fastapi-users:verify", exp: 1_800_000_600 })
      assert.isTrue(Result.isSuccess(yield* ActionToken.decode(key, token, "fastapi-users:verify", now)))
      // 32 signature bytes are 43 characters: the last one carries 4 bits and 2 unused ones, so three other
      // characters decode to the same bytes
      const last = ALPHABET.indexOf(token.at(-1) ?? "")
      const variants = [1, 2, 3].map((flip) => `${token.slice(0, -1)}${ALPHABET[last ^ flip]}`)
      for (const variant of variants) {
        assert.deepStrictEqual(
          Buffer.from(variant.split(".")[2] ?? "", "base64url"),
          Buffer.from(token.split(".")[2] ?? "", "base64url")
        )
        const result = yield* ActionToken.decode(key, variant, "fastapi-users:verify", now)
        assert.deepStrictEqual(result, Result.fail("Invalid"), variant)
      }
      // padding and characters outside base64url are refused too
      assert.deepStrictEqual(
        yield* ActionToken.decode(key, `${token}=`, "fastapi-users:verify", now),
        Result.fail("Invalid")
      )
      assert.deepStrictEqual(
        yield* ActionToken.decode(key, token.replace(".", ".+"), "fastapi-users:verify", now),
        Result.fail("Invalid")
      )
    }))
})
