/**
 * The conformance suite of the `AccessTokenRepository` port, run by every implementation from its own tests.
 *
 * @since 0.0.0
 */
import type * as AccessTokenRepository from "@effect-users/core/AccessTokenRepository"
import type * as User from "@effect-users/core/User"
import type * as UserRepository from "@effect-users/core/UserRepository"
import type { Layer } from "effect"
import { accessTokenRepositoryChecks } from "./internal/accessTokenRepositoryChecks.ts"
import { register } from "./internal/harness.ts"

/**
 * Options of {@link suite}.
 *
 * - `skip`: opt-outs, check name -> the written reason; an unknown name throws.
 * - `customFields`: values for the model's custom fields, put into every user the suite creates.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  readonly skip?: { readonly [check: string]: string }
  readonly customFields?: { readonly [field: string]: unknown }
}

/**
 * Registers the `AccessTokenRepository` conformance suite as one `describe` block named `name`, sharing `layer`
 * (built once, with the live services). The layer also provides the `UserRepository` of the same store: tokens
 * belong to real users (SQL has a foreign key), and deleting a user must delete its tokens.
 *
 * @since 0.0.0
 * @category constructors
 */
export const suite = (
  name: string,
  layer: Layer.Layer<
    AccessTokenRepository.AccessTokenRepository | UserRepository.UserRepository | User.UserModel,
    unknown
  >,
  options?: Options
): void => register(name, layer, accessTokenRepositoryChecks(options?.customFields ?? {}), options?.skip)
