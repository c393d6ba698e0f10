/**
 * The suites can fail: each deliberately broken implementation below breaks one clause of a port's contract, and the
 * check written for that clause must fail on it (the same checks pass on the memory layers in the other files).
 */
import { accessTokenRepositoryChecks } from "#internal/accessTokenRepositoryChecks"
import type { Check } from "#internal/harness"
import { validateSkip } from "#internal/harness"
import { strategyChecks } from "#internal/strategyChecks"
import { userRepositoryChecks } from "#internal/userRepositoryChecks"
import * as AccessTokenRepository from "@effect-users/core/AccessTokenRepository"
import { DestroyNotSupported } from "@effect-users/core/Strategy"
import * as User from "@effect-users/core/User"
import * as UserRepository from "@effect-users/core/UserRepository"
import { StrategyUnderTest } from "@effect-users/testing/StrategyConformance"
import { assert, describe, it } from "@effect/vitest"
import { Cause, DateTime, type Duration, Effect, Exit, Layer, Option } from "effect"
import { layerOpaque } from "./strategies.ts"

type Users = UserRepository.UserRepository["Service"]
type Tokens = AccessTokenRepository.AccessTokenRepository["Service"]

/** The memory user repository with some methods replaced (each replacement may call the real one). */
const brokenUsers = (
  patch: (real: Users) => Partial<Users>
): Layer.Layer<UserRepository.UserRepository | User.UserModel> =>
  Layer.effect(
    UserRepository.UserRepository,
    Effect.gen(function*() {
      const real = yield* UserRepository.UserRepository
      return UserRepository.UserRepository.of({ ...real, ...patch(real) })
    })
  ).pipe(Layer.provide(UserRepository.layerMemory), Layer.provideMerge(User.layerDefaultModel))

/** The memory stores with some token-store methods replaced. */
const brokenTokens = (
  patch: (real: Tokens) => Partial<Tokens>,
  tokens: Layer.Layer<AccessTokenRepository.AccessTokenRepository, never, User.UserModel> =
    AccessTokenRepository.layerMemory
) =>
  Layer.effect(
    AccessTokenRepository.AccessTokenRepository,
    Effect.gen(function*() {
      const real = yield* AccessTokenRepository.AccessTokenRepository
      return AccessTokenRepository.AccessTokenRepository.of({ ...real, ...patch(real) })
    })
  ).pipe(
    Layer.provide(tokens),
    Layer.provideMerge(UserRepository.layerMemory),
    Layer.provideMerge(User.layerDefaultModel)
  )

type StrategyService = StrategyUnderTest["Service"]

/** The opaque test strategy with the given lifetime, over the memory user store. */
const opaque = (lifetime: Duration.Input) =>
  layerOpaque(lifetime).pipe(
    Layer.provideMerge(UserRepository.layerMemory),
    Layer.provideMerge(User.layerDefaultModel)
  )

/** The opaque test strategy (lifetime 1 hour) with some methods replaced. */
const brokenStrategy = (patch: (real: StrategyService) => Partial<StrategyService>) =>
  Layer.effect(
    StrategyUnderTest,
    Effect.gen(function*() {
      const real = yield* StrategyUnderTest
      return StrategyUnderTest.of({ ...real, ...patch(real) })
    })
  ).pipe(
    Layer.provide(layerOpaque("1 hour")),
    Layer.provideMerge(UserRepository.layerMemory),
    Layer.provideMerge(User.layerDefaultModel)
  )

const strategyOptions = { lifetime: "1 hour", expiry: "TestClock", revocable: true } as const

/** Registers a test asserting that the check `name` fails against `layer`. */
const catches = <R>(
  checks: ReadonlyArray<Check<R>>,
  name: string,
  bug: string,
  layer: Layer.Layer<R>
) =>
  it.live(`"${name}" catches: ${bug}`, () =>
    Effect.gen(function*() {
      const check = checks.find((candidate) => candidate.name === name)
      if (check === undefined) return assert.fail(`no check named ${JSON.stringify(name)}`)
      const exit = yield* Effect.exit(Effect.provide(check.run, layer))
      assert.isTrue(Exit.isFailure(exit), `the check passed on an implementation where ${bug}`)
      if (Exit.isFailure(exit)) assert.isFalse(Cause.hasInterrupts(exit.cause), "the check failed, not interrupted")
    }))

describe("UserRepositoryConformance catches broken repositories", () => {
  const checks = userRepositoryChecks({})
  catches(
    checks,
    "replaceHashedPassword replaces the hash it expects, and only that one",
    "the replacement ignores the expected hash (a plain update)",
    brokenUsers((real) => ({
      replaceHashedPassword: (user, _expected, replacement) =>
        Effect.map(Effect.orDie(real.update(user, { hashed_password: replacement })), Option.some)
    }))
  )
  catches(
    checks,
    "concurrent replaceHashedPassword expecting one hash: exactly one is applied",
    "the comparison and the write are two steps (read, then write)",
    brokenUsers((real) => ({
      replaceHashedPassword: (user, expected, replacement) =>
        Effect.flatMap(real.get(user.id), (stored) =>
          Option.isSome(stored) && stored.value.hashed_password === expected
            ? Effect.andThen(
              Effect.sleep("1 millis"),
              Effect.map(Effect.orDie(real.update(user, { hashed_password: replacement })), Option.some)
            )
            : Effect.succeedNone)
    }))
  )
  catches(
    checks,
    "getByEmail is case-insensitive and the stored e-mail keeps its case",
    "getByEmail compares case-sensitively",
    brokenUsers((real) => ({
      getByEmail: (email) => Effect.map(real.getByEmail(email), Option.filter((user) => user.email === email))
    }))
  )
  catches(
    checks,
    "getByEmail is case-insensitive and the stored e-mail keeps its case",
    "the store lower-cases the address",
    brokenUsers((real) => ({ create: (insert) => real.create({ ...insert, email: insert.email.toLowerCase() }) }))
  )
  catches(
    checks,
    "lookups by a key holding a NUL character are None",
    "the store refuses NUL in a lookup (as PostgreSQL text does) and it surfaces as a storage error",
    brokenUsers((real) => ({
      getByEmail: (email) =>
        email.includes("\u0000")
          ? Effect.fail(new UserRepository.UserRepositoryError({ method: "getByEmail", cause: "22021" }))
          : real.getByEmail(email)
    }))
  )
  catches(
    checks,
    "create of an address in another case fails with UserAlreadyExists",
    "a duplicate surfaces as a storage error",
    brokenUsers((real) => ({
      create: (insert) =>
        real.create(insert).pipe(
          Effect.catchTag(
            "UserAlreadyExists",
            (cause) => Effect.fail(new UserRepository.UserRepositoryError({ method: "create", cause }))
          )
        )
    }))
  )
  catches(
    checks,
    "concurrent creates of one address: exactly one wins, the others fail with UserAlreadyExists",
    "create of a taken address returns the existing user",
    brokenUsers((real) => ({
      create: (insert) =>
        real.create(insert).pipe(
          Effect.catchTag("UserAlreadyExists", () =>
            Effect.flatMap(real.getByEmail(insert.email), (user) => Effect.fromOption(user).pipe(Effect.orDie)))
        )
    }))
  )
  catches(
    checks,
    "update to another user's address (any case) fails with UserAlreadyExists",
    "update dies on a taken address",
    brokenUsers((real) => ({
      update: (user, patch) => Effect.catchTag(real.update(user, patch), "UserAlreadyExists", Effect.die)
    }))
  )
  catches(
    checks,
    "concurrent updates of several users to one address: exactly one wins",
    "an update to a taken address succeeds without writing",
    brokenUsers((real) => ({
      update: (user, patch) =>
        Effect.catchTag(real.update(user, patch), "UserAlreadyExists", () => Effect.succeed(user))
    }))
  )
  catches(
    checks,
    "concurrent links of one provider account to several users: exactly one wins",
    "a link of a taken provider account succeeds without writing",
    brokenUsers((real) => ({
      addOAuthAccount: (user, account) =>
        Effect.catchTag(real.addOAuthAccount(user, account), "OAuthAccountAlreadyLinked", () => Effect.succeed(user))
    }))
  )
  catches(
    checks,
    "get returns the stored user",
    "create ignores the flags it is given",
    brokenUsers((real) => ({
      create: (insert) => real.create({ ...insert, is_active: true, is_superuser: false, is_verified: false })
    }))
  )
  catches(
    checks,
    "a write to a deleted user fails with UserRepositoryError and does not recreate it",
    "an update of a deleted user succeeds (the memory layer used to store it again)",
    brokenUsers((real) => ({
      update: (user, patch) =>
        Effect.catchTag(real.update(user, patch), "UserRepositoryError", () => Effect.succeed({ ...user, ...patch }))
    }))
  )
  catches(
    checks,
    "update returns the stored user",
    "update returns the user it was given",
    brokenUsers((real) => ({ update: (user, patch) => Effect.as(real.update(user, patch), user) }))
  )
  catches(
    checks,
    "get of an unknown id is None",
    "get fails on an unknown id",
    brokenUsers((real) => ({
      get: (id) =>
        Effect.flatMap(
          real.get(id),
          Option.match({
            onNone: () => Effect.fail(new UserRepository.UserRepositoryError({ method: "get", cause: "not found" })),
            onSome: (user) => Effect.succeed(Option.some(user))
          })
        )
    }))
  )
  catches(
    checks,
    "delete then get is None",
    "delete does nothing",
    brokenUsers(() => ({ delete: () => Effect.void }))
  )
  catches(
    checks,
    "addOAuthAccount links an account and getByOAuthAccount finds the user",
    "getByOAuthAccount ignores the provider",
    brokenUsers((real) => ({
      getByOAuthAccount: (_, accountId) =>
        Effect.flatMap(
          real.getByOAuthAccount("github", accountId),
          (found) => Option.isSome(found) ? Effect.succeed(found) : real.getByOAuthAccount("google", accountId)
        )
    }))
  )
  catches(
    checks,
    "a second link of the same pair to the same user updates it",
    "a second link is ignored",
    brokenUsers((real) => ({
      addOAuthAccount: (user, account) =>
        Effect.flatMap(
          real.getByOAuthAccount(account.oauth_name, account.account_id),
          Option.match({ onNone: () => real.addOAuthAccount(user, account), onSome: Effect.succeed })
        )
    }))
  )
  catches(
    checks,
    "linking a pair held by another user fails with OAuthAccountAlreadyLinked",
    "the conflict is a defect",
    brokenUsers((real) => ({
      addOAuthAccount: (user, account) =>
        Effect.catchTag(real.addOAuthAccount(user, account), "OAuthAccountAlreadyLinked", Effect.die)
    }))
  )
  catches(
    checks,
    "updateOAuthAccount changes the account's fields",
    "updateOAuthAccount changes nothing",
    brokenUsers((real) => ({
      updateOAuthAccount: (user) => Effect.map(real.get(user.id), Option.getOrElse(() => user))
    }))
  )
  catches(
    checks,
    "OAuth accounts survive reads, in insertion order",
    "reads return the accounts newest first",
    brokenUsers((real) => ({
      get: (id) =>
        Effect.map(
          real.get(id),
          Option.map((user) => ({ ...user, oauth_accounts: [...user.oauth_accounts].reverse() }))
        )
    }))
  )
})

describe("AccessTokenRepositoryConformance catches broken token stores", () => {
  const checks = accessTokenRepositoryChecks({})
  catches(
    checks,
    "getByToken with notBefore returns a record created at the limit, not one older",
    "the limit is exclusive",
    brokenTokens((real) => ({
      getByToken: (token, notBefore) =>
        Effect.map(
          real.getByToken(token, Option.none()),
          Option.filter((record) =>
            Option.match(notBefore, {
              onNone: () => true,
              onSome: (limit) => DateTime.isGreaterThan(record.created_at, limit)
            })
          )
        )
    }))
  )
  catches(
    checks,
    "getByToken with notBefore returns a record created at the limit, not one older",
    "notBefore is ignored",
    brokenTokens((real) => ({ getByToken: (token) => real.getByToken(token, Option.none()) }))
  )
  catches(
    checks,
    "create then getByToken finds the record by its exact token",
    "created_at is stored to the second",
    brokenTokens((real) => ({
      create: (record) =>
        real.create({
          ...record,
          created_at: DateTime.makeUnsafe(Math.floor(DateTime.toEpochMillis(record.created_at) / 1000) * 1000)
        })
    }))
  )
  catches(
    checks,
    "getByToken of an unknown token is None",
    "lookups are case-insensitive",
    brokenTokens((real) => ({
      getByToken: (token, notBefore) =>
        Effect.flatMap(
          real.getByToken(token, notBefore),
          (found) => Option.isSome(found) ? Effect.succeed(found) : real.getByToken(token.toLowerCase(), notBefore)
        )
    }))
  )
  catches(
    checks,
    "deleteAllForUser returns the count and leaves other users' tokens",
    "deleteAllForUser returns no count",
    brokenTokens((real) => ({ deleteAllForUser: (userId) => Effect.as(real.deleteAllForUser(userId), 0) }))
  )
  catches(
    checks,
    "delete removes the token; deleting an unknown token succeeds",
    "deleting an unknown token fails",
    brokenTokens((real) => ({
      delete: (token) =>
        Effect.flatMap(
          real.getByToken(token, Option.none()),
          Option.match({
            onNone: () =>
              Effect.fail(new AccessTokenRepository.AccessTokenRepositoryError({ method: "delete", cause: token })),
            onSome: () => real.delete(token)
          })
        )
    }))
  )
  catches(
    checks,
    "deleting the user deletes its tokens",
    "the token store is not linked to the user store (the memory layers before this suite)",
    brokenTokens(
      () => ({}),
      Layer.effect(AccessTokenRepository.AccessTokenRepository, AccessTokenRepository.makeMemory)
    )
  )
})

describe("StrategyConformance catches broken strategies", () => {
  const checks = strategyChecks(StrategyUnderTest, strategyOptions)
  catches(
    checks,
    "a token reads within its lifetime and not past it",
    "tokens never expire",
    opaque("1000 days")
  )
  catches(
    checks,
    "a token reads within its lifetime and not past it",
    "tokens expire early",
    opaque("30 minutes")
  )
  catches(
    checks,
    "readToken resolves the current stored user, even an inactive one",
    "readToken returns the user as it was when the token was written",
    brokenStrategy((real) => {
      const snapshots = new Map<string, User.User>()
      return {
        writeToken: (user) =>
          Effect.tap(real.writeToken(user), (token) => Effect.sync(() => snapshots.set(token, user))),
        readToken: (token) =>
          Effect.map(real.readToken(token), Option.flatMap(() => Option.fromNullishOr(snapshots.get(token))))
      }
    })
  )
  catches(
    checks,
    "readToken resolves the current stored user, even an inactive one",
    "readToken drops inactive users",
    brokenStrategy((real) => ({
      readToken: (token) => Effect.map(real.readToken(token), Option.filter((user) => user.is_active))
    }))
  )
  catches(
    checks,
    "a garbage, empty or tampered token is None",
    "readToken fails on a malformed token",
    brokenStrategy((real) => ({
      readToken: (token) => token === "" ? Effect.die(new Error("malformed token")) : real.readToken(token)
    }))
  )
  catches(
    checks,
    "a token of a deleted user is None",
    "readToken does not check that the user still exists",
    brokenStrategy((real) => {
      const snapshots = new Map<string, User.User>()
      return {
        writeToken: (user) =>
          Effect.tap(real.writeToken(user), (token) => Effect.sync(() => snapshots.set(token, user))),
        readToken: (token) =>
          Effect.map(
            real.readToken(token),
            (found) => Option.orElse(found, () => Option.fromNullishOr(snapshots.get(token)))
          )
      }
    })
  )
  catches(
    checks,
    "destroyToken makes the token unreadable",
    "destroyToken does nothing",
    brokenStrategy(() => ({ destroyToken: () => Effect.void }))
  )
  catches(
    checks,
    "destroyAllForUser revokes every token of the user and no other user's",
    "destroyAllForUser does nothing",
    brokenStrategy(() => ({ destroyAllForUser: () => Effect.void }))
  )
  const notRevocable = strategyChecks(StrategyUnderTest, { ...strategyOptions, revocable: false })
  catches(
    notRevocable,
    "destroyToken fails with DestroyNotSupported",
    "a strategy said to be unrevocable revokes silently",
    brokenStrategy(() => ({}))
  )
  catches(
    notRevocable,
    "destroyAllForUser fails with DestroyNotSupported",
    "destroyAllForUser fails with DestroyNotSupported but also revokes",
    brokenStrategy((real) => ({
      destroyAllForUser: (user) =>
        Effect.andThen(real.destroyAllForUser(user), Effect.fail(new DestroyNotSupported({ message: "no" })))
    }))
  )
})

describe("opt-outs", () => {
  const names = userRepositoryChecks({}).map((check) => check.name)
  it("an opt-out of an unknown check throws", () => {
    assert.throws(() => validateSkip("suite", names, { "no such check": "a reason" }), /unknown check/)
  })
  it("an opt-out without a reason throws", () => {
    assert.throws(() => validateSkip("suite", names, { "delete then get is None": " " }), /needs a written reason/)
  })
  it("an opt-out of a known check with a reason is accepted", () => {
    assert.doesNotThrow(() => validateSkip("suite", names, { "delete then get is None": "the store is append-only" }))
  })
})
