/**
 * The common-password list core ships is exactly what scripts/common-passwords.mjs generates from its npm source
 * (@zxcvbn-ts/language-common): nobody edits it by hand.
 */
import { execFileSync } from "node:child_process"
import { describe, expect, it } from "vitest"

const root = new URL("../..", import.meta.url).pathname

describe("packages/core/src/internal/commonPasswords.ts", () => {
  it("is the generator's output", () => {
    expect(() => execFileSync(process.execPath, [`${root}scripts/common-passwords.mjs`, "--check"], { stdio: "pipe" }))
      .not.toThrow()
  })
})
