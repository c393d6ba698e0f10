import * as ErrorCode from "@effect-users/transport-http/ErrorCode"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"

const body = (response: { readonly body: unknown }) => {
  const b = response.body as { readonly _tag: string; readonly body?: Uint8Array }
  return JSON.parse(new TextDecoder().decode(b.body))
}

describe("ErrorCode", () => {
  it("each code equals its name (FASTAPI_USERS.md §2.3)", () => {
    assert.strictEqual(Object.keys(ErrorCode.ErrorCode).length, 15)
    for (const [name, value] of Object.entries(ErrorCode.ErrorCode)) assert.strictEqual(value, name)
  })

  it.effect("the table: bare codes, codes with the reason, and every infrastructure error as the 503", () =>
    Effect.gen(function*() {
      const exists = yield* ErrorCode.toResponse("register", { _tag: "UserAlreadyExists" })
      assert.deepStrictEqual([exists.status, body(exists)], [400, { detail: "REGISTER_USER_ALREADY_EXISTS" }])
      const update = yield* ErrorCode.toResponse("update", { _tag: "UserAlreadyExists" })
      assert.deepStrictEqual(body(update), { detail: "UPDATE_USER_EMAIL_ALREADY_EXISTS" })
      const password = yield* ErrorCode.toResponse("resetPassword", {
        _tag: "InvalidPassword",
        reason: "too short"
      } as { readonly _tag: string })
      assert.deepStrictEqual([password.status, body(password)], [400, {
        detail: { code: "RESET_PASSWORD_INVALID_PASSWORD", reason: "too short" }
      }])
      for (const tag of ErrorCode.INFRASTRUCTURE_TAGS) {
        const response = yield* ErrorCode.toResponse("login", { _tag: tag })
        assert.deepStrictEqual([response.status, body(response)], [503, { detail: "SERVICE_UNAVAILABLE" }])
      }
      const unknown = yield* Effect.exit(ErrorCode.toResponse("login", { _tag: "Nonsense" }))
      assert.isTrue(Exit.isFailure(unknown))
    }))

  it("pre-built responses come from the table", () => {
    assert.deepStrictEqual([ErrorCode.responses.unauthorized.status, body(ErrorCode.responses.unauthorized)], [401, {
      detail: "Unauthorized"
    }])
    assert.deepStrictEqual(body(ErrorCode.responseOf("login", "UserNotVerified")), {
      detail: "LOGIN_USER_NOT_VERIFIED"
    })
    assert.throws(() => ErrorCode.responseOf("verify", "Unauthorized"))
  })
})
