import { layer } from "@effect/vitest"
import type { Effect, Layer } from "effect"

/** One named check of a conformance suite. */
export interface Check<R> {
  readonly name: string
  readonly run: Effect.Effect<void, unknown, R>
  /** A timeout for this check in milliseconds (checks that wait in real time). */
  readonly timeout?: number
}

/** Opt-outs: check name -> the written reason. */
export type Skip = { readonly [check: string]: string }

/**
 * Validates the opt-outs against the suite's checks: an unknown name (a typo would silently run nothing) or a blank
 * reason throws when the suite is registered.
 */
export const validateSkip = (suite: string, names: ReadonlyArray<string>, skip: Skip | undefined): void => {
  for (const [check, reason] of Object.entries(skip ?? {})) {
    if (!names.includes(check)) {
      throw new Error(
        `${suite}: options.skip names an unknown check ${JSON.stringify(check)}; the checks are:\n` +
          names.map((name) => `  - ${name}`).join("\n")
      )
    }
    if (typeof reason !== "string" || reason.trim() === "") {
      throw new Error(`${suite}: options.skip[${JSON.stringify(check)}] needs a written reason`)
    }
  }
}

/**
 * Registers the checks as one `describe` block sharing `layer_`, built once with the live services (a database
 * driver needs real time); the checks that need a `TestClock` provide a fresh one themselves.
 */
export const register = <R>(
  name: string,
  layer_: Layer.Layer<R, unknown>,
  checks: ReadonlyArray<Check<R>>,
  skip: Skip | undefined
): void => {
  validateSkip(name, checks.map((check) => check.name), skip)
  layer(layer_, { excludeTestServices: true })(name, (it) => {
    for (const check of checks) {
      const reason = skip?.[check.name]
      if (reason !== undefined) {
        it.effect.skip(`${check.name} (opted out: ${reason})`, () => check.run)
      } else {
        it.effect(check.name, () => check.run, check.timeout)
      }
    }
  })
}
