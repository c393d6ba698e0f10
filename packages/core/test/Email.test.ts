import * as Email from "@effect-users/core/Email"
import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"

const decode = Schema.decodeUnknownResult(Email.Email)

describe("Email (FastAPI Users 15.0.5's EmailStr)", () => {
  it.each([
    ["King.Arthur@Camelot.BT", "King.Arthur@camelot.bt"],
    ["  lancelot@camelot.bt ", "lancelot@camelot.bt"],
    ["Lancelot <lancelot@camelot.bt>", "lancelot@camelot.bt"],
    ["ada@EXAMPLE.com", "ada@example.com"],
    ["o'brien+tag@example.co.uk", "o'brien+tag@example.co.uk"],
    ["用户@例子.广告", "用户@例子.广告"],
    ["user@xn--fsqu00a.xn--4rr70v", "user@例子.广告"],
    ["a😀b@example.com", "a😀b@example.com"],
    ["A\u0308da@example.com", "Äda@example.com"],
    [`${"a".repeat(65)}@example.com`, `${"a".repeat(65)}@example.com`]
  ])("accepts %j and stores %j (domain normalised, local part kept)", (input, stored) => {
    const result = decode(input)
    assert.isTrue(Result.isSuccess(result), `expected ${input} to be accepted`)
    if (Result.isSuccess(result)) assert.strictEqual(result.success, stored)
  })

  it.each([
    "plainaddress",
    "@example.com",
    "ada@",
    "ada@localhost",
    "ada@example.test",
    "ada@foo.invalid",
    "ada@host.local",
    "a..b@example.com",
    ".ada@example.com",
    "ada.@example.com",
    "ada lovelace@example.com",
    "ada@exa mple.com",
    "ada@-example.com",
    "ada@example.123",
    `${"a".repeat(243)}@example.com`,
    `${"é".repeat(122)}@example.com`,
    "a\u200bb@example.com",
    "lancelot@camelot.bt\n",
    "\u0301a@example.com",
    `ada@${"a".repeat(250)}.com`,
    "ada\u0000@example.com"
  ])("refuses %j with a message naming the address", (input) => {
    const result = decode(input)
    assert.isTrue(Result.isFailure(result), `expected ${JSON.stringify(input)} to be refused`)
    if (Result.isFailure(result)) assert.include(result.failure.message, "value is not a valid email address")
  })

  it("key: one key for every case and composition of an address, whatever the locale (issue 13)", () => {
    const key = Email.key("äda@example.com")
    for (const spelling of ["ÄDA@example.com", "Äda@Example.COM", "a\u0308da@example.com", "A\u0308DA@example.com"]) {
      assert.strictEqual(Email.key(spelling), key, spelling)
    }
    assert.notStrictEqual(Email.key("ada@example.com"), key, "a different letter is a different address")
    // Unicode's default mapping, not a locale's: the Turkish dotless ı stays distinct from i
    assert.notStrictEqual(Email.key("ıda@example.com"), Email.key("ida@example.com"))
  })

  it("normalize and key: the stored spelling, and the case-insensitive lookup key", () => {
    assert.strictEqual(Email.normalize(" King.Arthur@Camelot.BT "), "King.Arthur@camelot.bt")
    assert.isUndefined(Email.normalize("nope"))
    assert.strictEqual(Email.key("King.Arthur@camelot.bt"), "king.arthur@camelot.bt")
  })
})
