import {
  AccessTokenRepository,
  Infrastructure,
  Mailer,
  PasswordHasher,
  Strategy,
  UserError,
  UserRepository
} from "@effect-users/core"
import { describe, expect, it } from "@effect/vitest"

describe("Infrastructure", () => {
  it("marks every port's infrastructure error, and no domain error", () => {
    const cause = new Error("down")
    const marked = [
      new UserRepository.UserRepositoryError({ method: "get", cause }),
      new AccessTokenRepository.AccessTokenRepositoryError({ method: "get", cause }),
      new Strategy.StrategyError({ method: "readToken", cause }),
      new PasswordHasher.PasswordHasherError({ cause }),
      new Mailer.MailerError({ cause })
    ]
    for (const error of marked) expect(Infrastructure.isInfrastructureError(error), error._tag).toBe(true)
    const unmarked = [new UserError.UserNotExists(), new UserError.InvalidPassword({ reason: "short" }), null, "x", {}]
    for (const value of unmarked) expect(Infrastructure.isInfrastructureError(value)).toBe(false)
  })
})
