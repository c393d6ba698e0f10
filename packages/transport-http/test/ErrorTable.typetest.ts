// Type tests, checked by `npm run typecheck`: a table must map every domain error of its operation, and only those.
import type { UserManager } from "@effect-users/core"
import { UserError } from "@effect-users/core"
import * as ErrorTable from "@effect-users/transport-http/ErrorTable"
import { Schema } from "effect"

type Create = ErrorTable.ErrorOf<UserManager.UserManager["Service"]["create"]>

/** A domain error core might add to `create` tomorrow. */
class UserBanned extends Schema.TaggedError<UserBanned>()("UserBanned", {}) {}

export const complete = ErrorTable.make<Create>()({
  InvalidPassword: ErrorTable.withReason("REGISTER_INVALID_PASSWORD"),
  UserAlreadyExists: ErrorTable.code("REGISTER_USER_ALREADY_EXISTS")
})

export const unmapped = ErrorTable.make<Create | UserBanned>()(
  // @ts-expect-error -- `UserBanned` has no entry: adding a core error fails to compile until it is mapped
  {
    InvalidPassword: ErrorTable.withReason("REGISTER_INVALID_PASSWORD"),
    UserAlreadyExists: ErrorTable.code("REGISTER_USER_ALREADY_EXISTS")
  }
)

export const renamed = ErrorTable.make<Create>()({
  InvalidPassword: ErrorTable.withReason("REGISTER_INVALID_PASSWORD"),
  // @ts-expect-error -- a renamed (or unknown) error is refused: the table names exactly the operation's errors
  UserExists: ErrorTable.code("REGISTER_USER_ALREADY_EXISTS")
})

export const notAnError = new UserError.UserNotExists()
