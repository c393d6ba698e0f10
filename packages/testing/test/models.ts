import * as User from "@effect-users/core/User"
import * as UserId from "@effect-users/core/UserId"
import { type Layer, Schema } from "effect"

/** A model with store-assigned integer ids and two custom fields, one of them nullable. */
export const IntegerModel = User.makeModel({
  id: UserId.integer,
  fields: { nickname: Schema.String, age: Schema.NullOr(Schema.Int) }
})

declare module "@effect-users/core/User" {
  interface Register {
    readonly model: typeof IntegerModel
  }
}

/** Provides the integer model. */
export const layerIntegerModel: Layer.Layer<User.UserModel> = User.layerModel(IntegerModel)

/** Values of the custom fields for the users the suites create. */
export const customFields = { nickname: "ada", age: null }
