/**
 * The conformance suite of the `Strategy` port, run by every token strategy (database, Redis, JWT) from its own
 * tests.
 *
 * @since 0.0.0
 */
import type * as Strategy from "@effect-users/core/Strategy"
import type * as User from "@effect-users/core/User"
import type * as UserRepository from "@effect-users/core/UserRepository"
import type { Duration, Layer } from "effect"
import { Context } from "effect"
import { register } from "./internal/harness.ts"
import { strategyChecks } from "./internal/strategyChecks.ts"

/**
 * The strategy under test (a strategy is a value, not a service: the test layer provides it under this key).
 *
 * @since 0.0.0
 * @category services
 */
export class StrategyUnderTest extends Context.Service<StrategyUnderTest, Strategy.Strategy>()(
  "@effect-users/testing/StrategyConformance/StrategyUnderTest"
) {}

/**
 * Options of {@link suite}.
 *
 * - `lifetime`: the lifetime the strategy under test was configured with.
 * - `expiry`: `"TestClock"` when the strategy reads time from `Clock` (the suite moves a `TestClock`), `"real"` when
 *   the store expires tokens itself (Redis): the suite then waits in real time, so keep the lifetime small (1 s).
 * - `revocable`: `false` when `destroyToken` / `destroyAllForUser` fail with `DestroyNotSupported` (JWT).
 * - `skip`: opt-outs, check name -> the written reason; an unknown name throws.
 * - `customFields`: values for the model's custom fields, put into every user the suite creates.
 *
 * @since 0.0.0
 * @category models
 */
export interface StrategyOptions {
  readonly lifetime: Duration.Input
  readonly expiry: "TestClock" | "real"
  readonly revocable: boolean
  readonly skip?: { readonly [check: string]: string }
  readonly customFields?: { readonly [field: string]: unknown }
}

/**
 * Registers the `Strategy` conformance suite as one `describe` block named `name`, sharing `layer` (built once, with
 * the live services). The layer provides the strategy under test and the `UserRepository` it resolves users through.
 *
 * @since 0.0.0
 * @category constructors
 */
export const suite = (
  name: string,
  layer: Layer.Layer<StrategyUnderTest | UserRepository.UserRepository | User.UserModel, unknown>,
  options: StrategyOptions
): void => register(name, layer, strategyChecks(StrategyUnderTest, options), options.skip)
