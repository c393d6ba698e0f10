/**
 * The reliability suite's races on PostgreSQL (`npm run test:reliability`), at the UserManager level, in rounds.
 *
 * @see issue 13
 */
import * as DeliveryQueue from "@effect-users/core/DeliveryQueue"
import * as Mailer from "@effect-users/core/Mailer"
import * as PasswordHasher from "@effect-users/core/PasswordHasher"
import * as PasswordPolicy from "@effect-users/core/PasswordPolicy"
import * as UserHooks from "@effect-users/core/UserHooks"
import * as UserManager from "@effect-users/core/UserManager"
import * as UserManagerRaces from "@effect-users/testing/UserManagerRaces"
import { layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { layerPostgres, layerRepositories } from "../utils.ts"

const ROUNDS = Number(process.env.RELIABILITY_ROUNDS ?? 5)

const Manager = UserManager.layer({
  verificationTokenSecret: Redacted.make("reliability-verify-secret-0123456789"),
  resetPasswordTokenSecret: Redacted.make("reliability-reset-secret-0123456789")
}).pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      PasswordHasher.layerTest,
      PasswordPolicy.layer,
      UserHooks.layer,
      Mailer.layerMemory,
      DeliveryQueue.layer()
    )
  ),
  Layer.provideMerge(layerRepositories(layerPostgres({ maxConnections: 8 })))
)

layer(Manager, { excludeTestServices: true, timeout: "60 seconds" })("races on PostgreSQL", (it) => {
  it.effect(
    `${ROUNDS} rounds of 200 concurrent registrations of one address in case variants: one user each`,
    () => Effect.repeat(UserManagerRaces.registrations(200), { times: ROUNDS - 1 }),
    300_000
  )
  it.effect(
    `${ROUNDS} rounds of 50 concurrent e-mail changes into one address: one change each`,
    () => Effect.repeat(UserManagerRaces.emailChanges(50), { times: ROUNDS - 1 }),
    300_000
  )
  it.effect(
    `${ROUNDS} rounds of 50 concurrent resets with one token: one reset each`,
    () => Effect.repeat(UserManagerRaces.resets(50), { times: ROUNDS - 1 }),
    300_000
  )
})
