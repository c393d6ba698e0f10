/**
 * `UserManager.importUser`: users exported from another system keep their password hash, are refused before anything
 * is stored when the hash or the e-mail cannot be used, and are rehashed at their first login.
 */
import * as DeliveryQueue from "@effect-users/core/DeliveryQueue"
import * as PasswordHasher from "@effect-users/core/PasswordHasher"
import * as PasswordPolicy from "@effect-users/core/PasswordPolicy"
import * as User from "@effect-users/core/User"
import * as UserManager from "@effect-users/core/UserManager"
import * as UserRepository from "@effect-users/core/UserRepository"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { config, type Event, recordingHooks, recordingMailer } from "./utils.ts"

const PASSWORD = "correct horse battery staple"
// bcrypt 5.0.0 (as pwdlib and Auth0 exports write them) and pwdlib's Argon2id at our default parameters, of PASSWORD.
const BCRYPT = "$2b$04$6QosTBxocgp1p2wEug5xvemq7EqkOoP5loTIAiAravr2UGZncmwTa"
const OWASP_ARGON2 = "$argon2id$v=19$m=19456,t=2,p=1$Rv5s+dAueeQLuJjpqezrjw$w6x1RYxc4DpkETeONS2rvtFUvW6E7Jz87pPofoLr6L0"

const withManager = <A, E>(
  body: (log: Array<Event>) => Effect.Effect<A, E, UserManager.UserManager | UserRepository.UserRepository>
) => {
  const log: Array<Event> = []
  const layer = UserManager.layer(config).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        PasswordHasher.layer(PasswordHasher.owaspMinimum),
        PasswordPolicy.layer,
        recordingHooks(log),
        recordingMailer(log, false),
        DeliveryQueue.layer()
      ).pipe(Layer.provideMerge(UserRepository.layerMemory), Layer.provideMerge(User.layerDefaultModel))
    )
  )
  return Effect.provide(body(log), layer)
}

const services = Effect.all({ manager: UserManager.UserManager, repository: UserRepository.UserRepository })

describe("UserManager.importUser", () => {
  it.live(
    "stores a bcrypt user as exported; the first login verifies it and stores an Argon2id hash",
    () =>
      withManager((log) =>
        Effect.gen(function*() {
          const { manager, repository } = yield* services
          const imported = yield* manager.importUser({
            email: "  Ada@EXAMPLE.com ",
            hashed_password: BCRYPT,
            is_verified: true
          })
          assert.strictEqual(imported.email, "Ada@example.com")
          assert.strictEqual(imported.hashed_password, BCRYPT)
          assert.deepStrictEqual([imported.is_active, imported.is_superuser, imported.is_verified], [true, false, true])
          assert.deepStrictEqual(log, [], "no hook, no mail: an import is not a registration")

          assert.isTrue(Option.isNone(yield* manager.authenticate({ username: "ada@example.com", password: "wrong" })))
          const found = yield* manager.authenticate({ username: "ada@example.com", password: PASSWORD })
          assert.deepStrictEqual(Option.map(found, (u) => u.id), Option.some(imported.id))
          const stored = Option.getOrThrow(yield* repository.get(imported.id)).hashed_password
          assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/u)
          assert.isTrue(Option.isSome(yield* manager.authenticate({ username: "ada@example.com", password: PASSWORD })))
        })
      ),
    30_000
  )

  it.live(
    "an Argon2id hash at the current parameters is kept at login; the superuser flag is imported",
    () =>
      withManager(() =>
        Effect.gen(function*() {
          const { manager, repository } = yield* services
          const imported = yield* manager.importUser({
            email: "root@example.com",
            hashed_password: OWASP_ARGON2,
            is_superuser: true
          })
          assert.isTrue(imported.is_superuser)
          assert.isTrue(
            Option.isSome(yield* manager.authenticate({ username: "root@example.com", password: PASSWORD }))
          )
          assert.strictEqual(Option.getOrThrow(yield* repository.get(imported.id)).hashed_password, OWASP_ARGON2)
        })
      ),
    30_000
  )

  it.effect("refuses, storing nothing, a hash core cannot verify and an address that is not one", () =>
    withManager(() =>
      Effect.gen(function*() {
        const { manager, repository } = yield* services
        const refused = (email: string, hashed_password: string) =>
          Effect.flip(manager.importUser({ email, hashed_password }))
        const plain = yield* refused("a@example.com", "hunter2")
        assert.deepStrictEqual(plain._tag === "InvalidUserImport" ? [plain.field, plain.reason] : [], [
          "hashed_password",
          "unknown password hash format"
        ])
        // Better Auth's default scrypt ("salt:key" in hex) is not one of core's formats
        const scrypt = yield* refused("a@example.com", `${"ab".repeat(16)}:${"cd".repeat(64)}`)
        assert.strictEqual(scrypt._tag === "InvalidUserImport" ? scrypt.field : "", "hashed_password")
        const x = yield* refused("a@example.com", BCRYPT.replace("$2b$", "$2x$"))
        assert.include(x._tag === "InvalidUserImport" ? x.reason : "", "$2x$")
        const email = yield* refused("not an address", BCRYPT)
        assert.deepStrictEqual(email._tag === "InvalidUserImport" ? email.field : "", "email")
        assert.isTrue(Option.isNone(yield* repository.getByEmail("a@example.com")))
      })
    ))

  it.effect("a second user with the same address in another case is UserAlreadyExists", () =>
    withManager(() =>
      Effect.gen(function*() {
        const { manager } = yield* services
        yield* manager.importUser({ email: "ada@example.com", hashed_password: BCRYPT })
        const error = yield* Effect.flip(manager.importUser({ email: "ADA@example.com", hashed_password: BCRYPT }))
        assert.strictEqual(error._tag, "UserAlreadyExists")
      })
    ))
})
