import type { User } from "@effect-users/core"
import { Schema } from "effect"
import { LaxBoolean } from "./LaxBoolean.ts"

/**
 * The wire schemas of one builder, made once so that every router shares them (one OpenAPI component each): the
 * read schema (`oauth_accounts` included when the model reads them), and the create and update payloads with the
 * user flags read as Pydantic's lax booleans (and, on create, `null` as absent: FastAPI Users' `bool | None`).
 */
export const make = (model: User.RegisteredModel) => {
  const read = (model.readOAuthAccounts ? model.ReadWithOAuthAccounts : model.Read).annotate({ identifier: "UserRead" })
  const create = Schema.Struct({
    ...model.Create.fields,
    is_active: Schema.optionalKey(Schema.NullOr(LaxBoolean)),
    is_superuser: Schema.optionalKey(Schema.NullOr(LaxBoolean)),
    is_verified: Schema.optionalKey(Schema.NullOr(LaxBoolean))
  }).annotate({ identifier: "UserCreate" })
  const update = Schema.Struct({
    ...model.Update.fields,
    is_active: Schema.optionalKey(LaxBoolean),
    is_superuser: Schema.optionalKey(LaxBoolean),
    is_verified: Schema.optionalKey(LaxBoolean)
  }).annotate({ identifier: "UserUpdate" })
  return { read, create, update }
}

/** The schemas of a builder. */
export type Schemas = ReturnType<typeof make>

/** A decoded create payload as core takes it: the `null` flags dropped. */
export const toUserCreate = (payload: Schemas["create"]["Type"]): User.UserCreate => {
  const { is_active, is_superuser, is_verified, ...rest } = payload
  return {
    ...rest,
    ...(is_active === null || is_active === undefined ? {} : { is_active }),
    ...(is_superuser === null || is_superuser === undefined ? {} : { is_superuser }),
    ...(is_verified === null || is_verified === undefined ? {} : { is_verified })
  }
}
