/**
 * The conformance suite of the `UserRepository` port: every implementation (core's memory layer, the SQL and Mongo
 * adapters, a third party's) runs it from its own tests to prove it keeps the contract written on the port.
 *
 * @since 0.0.0
 */
import type * as User from "@effect-users/core/User"
import type * as UserRepository from "@effect-users/core/UserRepository"
import type { Layer } from "effect"
import { register } from "./internal/harness.ts"
import { customFieldChecks, userRepositoryChecks } from "./internal/userRepositoryChecks.ts"

/**
 * Options of {@link suite}.
 *
 * - `skip`: opt-outs, check name -> the written reason (shown in the test name); an unknown name throws, so a typo
 *   cannot silently run nothing.
 * - `customFields`: values for the model's custom fields, put into every user the suite creates (needed when the
 *   store requires them, e.g. `NOT NULL` columns).
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  readonly skip?: { readonly [check: string]: string }
  readonly customFields?: { readonly [field: string]: unknown }
}

/**
 * Registers the `UserRepository` conformance suite as one `describe` block named `name`, sharing `layer` (built
 * once, with the live services): create, lookups by id and case-insensitive e-mail, `UserAlreadyExists` on create
 * and update, delete, OAuth accounts, and concurrent creates of one address.
 *
 * @since 0.0.0
 * @category constructors
 */
export const suite = (
  name: string,
  layer: Layer.Layer<UserRepository.UserRepository | User.UserModel, unknown>,
  options?: Options
): void => register(name, layer, userRepositoryChecks(options?.customFields ?? {}), options?.skip)

/**
 * Options of {@link suiteCustomFields}: the custom field values to create a user with (every field the model
 * declares) and the values an update changes them to.
 *
 * @since 0.0.0
 * @category models
 */
export interface CustomFieldsOptions {
  readonly create: { readonly [field: string]: unknown }
  readonly update: { readonly [field: string]: unknown }
  readonly skip?: { readonly [check: string]: string }
}

/**
 * Registers the custom-fields checks for a layer whose model declares custom fields: the values round-trip through
 * create, the lookups and update, and an update of other fields keeps them.
 *
 * @since 0.0.0
 * @category constructors
 */
export const suiteCustomFields = (
  name: string,
  layer: Layer.Layer<UserRepository.UserRepository | User.UserModel, unknown>,
  options: CustomFieldsOptions
): void => register(name, layer, customFieldChecks(options.create, options.update), options.skip)
