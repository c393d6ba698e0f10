/**
 * A port's infrastructure error logs on one line (one per 503), naming the method and what went wrong.
 *
 * @see issue 13 (each 503 wrote ~20 log lines: the driver's nested cause, inspected)
 */
import { AccessTokenRepositoryError } from "@effect-users/core/AccessTokenRepository"
import { StrategyError } from "@effect-users/core/Strategy"
import { UserRepositoryError } from "@effect-users/core/UserRepository"
import { assert, describe, it } from "@effect/vitest"
import { inspect } from "node:util"

// The shape of effect/sql's SqlError: a reason carrying the driver's error.
const driverFailure = {
  _tag: "SqlError",
  reason: {
    _tag: "ConnectionError",
    message: "PgConnection: Failed to connect",
    cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })
  }
}

describe("infrastructure errors", () => {
  it.each([
    ["UserRepositoryError", new UserRepositoryError({ method: "get", cause: driverFailure })],
    ["AccessTokenRepositoryError", new AccessTokenRepositoryError({ method: "getByToken", cause: driverFailure })],
    ["StrategyError", new StrategyError({ method: "readToken", cause: driverFailure })]
  ])("%s inspects on one line with the method and the reason", (tag, error) => {
    const text = inspect(error)
    assert.notInclude(text, "\n")
    assert.match(
      text,
      new RegExp(`^${tag}: \\w+: ConnectionError: PgConnection: Failed to connect \\(Error: connect ECONNREFUSED`, "u")
    )
    assert.strictEqual(text, `${tag}: ${error.message}`)
    assert.deepStrictEqual(error.cause, driverFailure, "the full cause is still there for whoever needs it")
  })

  it("a long or multi-line cause is cut to one bounded line", () => {
    const error = new UserRepositoryError({
      method: "get",
      cause: new Error(`line one\nline two\n${"x".repeat(1000)}`)
    })
    const text = inspect(error)
    assert.notInclude(text, "\n")
    assert.isBelow(text.length, 400)
  })
})
