/**
 * The e-mail rules, differentially: every input is decoded by `Email.Email` and by FastAPI Users' own `EmailStr`
 * (pydantic + email-validator, from the reference virtual environment, scripts/reference/venv.sh); both must accept
 * it with the same stored spelling, or both refuse it.
 *
 * @see issue 13 (3 of 25 probed inputs differed: an emoji local part, Unicode normalisation, local parts over 64)
 */
import * as Email from "@effect-users/core/Email"
import { assert, beforeAll, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))

const INPUTS: ReadonlyArray<string> = [
  "ada@example.com",
  "Ada.Lovelace@Example.COM",
  "  lancelot@camelot.bt ",
  "  lancelot@camelot.bt \n",
  "ada@example.com\r\n",
  "Lancelot <lancelot@camelot.bt>",
  "o'brien+tag@example.co.uk",
  "用户@例子.广告",
  "user@xn--fsqu00a.xn--4rr70v",
  "x@ÄB.com",
  "😀@example.com",
  "a😀b@example.com",
  "A\u0308da@example.com",
  "a\u0301@example.com",
  "\u0301a@example.com",
  "ﬁ@example.com",
  "ǅ@example.com",
  "㊀@example.com",
  "a\u200bb@example.com",
  "a\u00a0b@example.com",
  "a\u00adb@example.com",
  "a\u2028b@example.com",
  "a\ue000b@example.com",
  "a\u0378b@example.com",
  `${"a".repeat(64)}@example.com`,
  `${"a".repeat(65)}@example.com`,
  `${"a".repeat(242)}@example.com`,
  `${"a".repeat(243)}@example.com`,
  `${"é".repeat(121)}@example.com`,
  `${"é".repeat(122)}@example.com`,
  `x@${"a".repeat(63)}.com`,
  `x@${"a".repeat(64)}.com`,
  "plainaddress",
  "@example.com",
  "ada@",
  "a..b@example.com",
  ".ada@example.com",
  "ada.@example.com",
  "ada lovelace@example.com",
  "ada@localhost",
  "ada@foo.test",
  "ada@example.123",
  "ada@-example.com"
]

const PROGRAM = `
import json, sys
from pydantic import TypeAdapter, EmailStr
ta = TypeAdapter(EmailStr)
out = []
for value in json.loads(sys.stdin.read()):
    try:
        out.append({"ok": ta.validate_python(value)})
    except Exception:
        out.append({"ok": None})
print(json.dumps(out))
`

let reference: ReadonlyArray<{ readonly ok: string | null }> = []

beforeAll(() => {
  const python = execFileSync("bash", [`${root}scripts/reference/venv.sh`], { timeout: 600_000 }).toString().trim()
  reference = JSON.parse(
    execFileSync(python, ["-c", PROGRAM], { input: JSON.stringify(INPUTS), timeout: 60_000 }).toString()
  )
}, 600_000)

const decode = Schema.decodeUnknownResult(Email.Email)

describe("Email against FastAPI Users' EmailStr (email-validator)", () => {
  it("accepts and refuses the same inputs, storing the same spelling", () => {
    const differences: Array<string> = []
    INPUTS.forEach((input, i) => {
      const theirs = reference[i]?.ok ?? null
      const result = decode(input)
      const ours = Result.isSuccess(result) ? result.success : null
      if (ours !== theirs) {
        differences.push(`${JSON.stringify(input)}: ours ${JSON.stringify(ours)}, theirs ${JSON.stringify(theirs)}`)
      }
    })
    assert.deepStrictEqual(differences, [])
    assert.strictEqual(reference.length, INPUTS.length)
  })
})
