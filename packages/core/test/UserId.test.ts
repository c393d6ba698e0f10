import * as UserId from "@effect-users/core/UserId"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { TestClock } from "effect/testing"

const canonical = "0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11"

describe("UserId.uuid (Python's uuid.UUID, as FastAPI Users 15.0.5 parses ids)", () => {
  it.each([
    canonical,
    canonical.toUpperCase(),
    canonical.replaceAll("-", ""),
    `{${canonical}}`,
    `urn:uuid:${canonical}`,
    `URN:UUID:${canonical.toUpperCase()}`,
    ` ${canonical} `
  ])("parses %s to the canonical form", (input) => {
    assert.deepStrictEqual(UserId.uuid.parse(input), Option.some(canonical))
  })

  it.each([
    "me",
    "",
    canonical.slice(1),
    `${canonical}0`,
    "0b8f5b3e2f57-4d5a-9c55-7d2f8d4d2a11-",
    "0b8f5b3e-2f574d5a-9c55-7d2f-8d4d2a11",
    canonical.replace("0", "g")
  ])("refuses %j", (input) => {
    assert.isTrue(Option.isNone(UserId.uuid.parse(input)))
  })

  it("refuses non-strings", () => {
    assert.isTrue(Option.isNone(UserId.uuid.parse(42)))
    assert.isTrue(Option.isNone(UserId.uuid.parse(null)))
  })

  it.effect("generates canonical v4 ids that parse back", () =>
    Effect.gen(function*() {
      const generate = Option.getOrThrow(UserId.uuid.generate)
      const id = yield* generate
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/u)
      assert.deepStrictEqual(UserId.uuid.parse(id), Option.some(id))
      assert.notStrictEqual(yield* generate, id)
    }))
})

describe("UserId.integer (Python's int(), floats refused)", () => {
  it.each([["123", 123], [123, 123], [" 42 ", 42], ["+7", 7], ["-3", -3], ["1_000", 1000]] as const)(
    "parses %j to %d",
    (input, expected) => {
      assert.deepStrictEqual(UserId.integer.parse(input), Option.some(expected))
    }
  )

  it.each(["123.42", "abc", "", "1__0", "_1", "1e3", 1.5, "99999999999999999999"])("refuses %j", (input) => {
    assert.isTrue(Option.isNone(UserId.integer.parse(input)))
  })

  it("renders ids as decimal strings and lets the store assign them", () => {
    assert.strictEqual(UserId.integer.format(12), "12")
    assert.isTrue(Option.isNone(UserId.integer.generate))
  })
})

describe("UserId.objectId", () => {
  it("parses 24 hex characters, lower-cased", () => {
    assert.deepStrictEqual(UserId.objectId.parse("65A1B2C3D4E5F60718293A4B"), Option.some("65a1b2c3d4e5f60718293a4b"))
    assert.isTrue(Option.isNone(UserId.objectId.parse("65a1b2c3d4e5f60718293a4")))
    assert.isTrue(Option.isNone(UserId.objectId.parse("zz a1b2c3d4e5f60718293a4b")))
  })

  it.effect("generates ids whose first 4 bytes are the Clock's seconds", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(0x65a1b2c3 * 1000)
      const id = yield* Option.getOrThrow(UserId.objectId.generate)
      assert.match(id, /^65a1b2c3[0-9a-f]{16}$/u)
      assert.deepStrictEqual(UserId.objectId.parse(id), Option.some(id))
    }))
})
