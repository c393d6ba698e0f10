/**
 * The application's user model: FastAPI Users' fields plus a custom `first_name`, registered once.
 */
import * as User from "@effect-users/core/User"
import { Schema } from "effect"

/** The user model of the application. */
export const AppUser = User.makeModel({ fields: { first_name: Schema.String } })

declare module "@effect-users/core/User" {
  interface Register {
    readonly model: typeof AppUser
  }
}

/** The `first_name` column of the `user` table (adapter-sql adds it). */
export const tables = {
  columns: { first_name: { type: "VARCHAR(100) NOT NULL DEFAULT ''" } }
} as const
