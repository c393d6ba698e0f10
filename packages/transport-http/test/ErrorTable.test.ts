import { AccessTokenRepository, Mailer, UserError, UserRepository } from "@effect-users/core"
import * as ErrorCode from "@effect-users/transport-http/ErrorCode"
import * as ErrorResponse from "@effect-users/transport-http/ErrorResponse"
import * as ErrorTable from "@effect-users/transport-http/ErrorTable"
import * as RegisterRouter from "@effect-users/transport-http/RegisterRouter"
import * as ResetPasswordRouter from "@effect-users/transport-http/ResetPasswordRouter"
import * as UsersRouter from "@effect-users/transport-http/UsersRouter"
import * as VerifyRouter from "@effect-users/transport-http/VerifyRouter"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"

const failure = <E>(effect: Effect.Effect<never, E>) => Effect.flip(effect)

describe("ErrorCode", () => {
  it("each code equals its name, as in FastAPI Users 15.0.5's ErrorCode", () => {
    assert.strictEqual(Object.keys(ErrorCode.ErrorCode).length, 15)
    for (const [name, value] of Object.entries(ErrorCode.ErrorCode)) assert.strictEqual(value, name)
  })
})

describe("ErrorTable", () => {
  it.effect("maps each operation's domain errors to FastAPI Users' answers", () =>
    Effect.gen(function*() {
      const exists = yield* failure(RegisterRouter.errors(new UserError.UserAlreadyExists()))
      assert.deepStrictEqual(exists, new ErrorResponse.ErrorModel({ detail: "REGISTER_USER_ALREADY_EXISTS" }))
      const invalid = yield* failure(RegisterRouter.errors(new UserError.InvalidPassword({ reason: "short" })))
      assert.deepStrictEqual(
        invalid,
        new ErrorResponse.ErrorModel({ detail: { code: "REGISTER_INVALID_PASSWORD", reason: "short" } })
      )
      const update = yield* failure(UsersRouter.errors(new UserError.UserAlreadyExists()))
      assert.deepStrictEqual(update, new ErrorResponse.ErrorModel({ detail: "UPDATE_USER_EMAIL_ALREADY_EXISTS" }))
      const inactive = yield* failure(ResetPasswordRouter.errors(new UserError.UserInactive()))
      assert.deepStrictEqual(inactive, new ErrorResponse.ErrorModel({ detail: "RESET_PASSWORD_BAD_TOKEN" }))
      const verified = yield* failure(VerifyRouter.errors(new UserError.UserAlreadyVerified()))
      assert.deepStrictEqual(verified, new ErrorResponse.ErrorModel({ detail: "VERIFY_USER_ALREADY_VERIFIED" }))
    }))

  it.effect("answers every infrastructure error with the 503, by core's mark alone", () =>
    Effect.gen(function*() {
      const errors = [
        new UserRepository.UserRepositoryError({ method: "get", cause: "down" }),
        new AccessTokenRepository.AccessTokenRepositoryError({ method: "get", cause: "down" }),
        new Mailer.MailerError({ cause: "down" })
      ]
      for (const error of errors) {
        const answer = yield* failure(ErrorTable.infrastructure(error))
        assert.deepStrictEqual(answer, ErrorTable.serviceUnavailable)
      }
      // a port this package has never heard of: marked, so a 503 without any entry anywhere
      class ProviderError extends Schema.TaggedError<ProviderError>()("ProviderError", {}) {
        readonly "~@effect-users/core/Infrastructure" = "~@effect-users/core/Infrastructure" as const
      }
      const mapped = ErrorTable.make<ProviderError | UserError.UserNotExists>()({ UserNotExists: ErrorTable.notFound })
      assert.deepStrictEqual(yield* failure(mapped(new ProviderError())), ErrorTable.serviceUnavailable)
      assert.deepStrictEqual(yield* failure(mapped(new UserError.UserNotExists())), ErrorTable.notFound())
    }))
})
