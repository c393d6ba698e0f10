import * as AccessTokenRepository from "@effect-users/core/AccessTokenRepository"
import * as AuthenticationBackend from "@effect-users/core/AuthenticationBackend"
import * as Authenticator from "@effect-users/core/Authenticator"
import * as Strategy from "@effect-users/core/Strategy"
import type * as Transport from "@effect-users/core/Transport"
import * as User from "@effect-users/core/User"
import * as UserRepository from "@effect-users/core/UserRepository"
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Layer, Option } from "effect"

/** The carrier of these tests: a plain object holding a token per transport. */
interface Carrier {
  readonly bearer?: string
  readonly cookie?: string
}

const makeUser = (id: string, flags: Partial<Pick<User.User, "is_active" | "is_verified" | "is_superuser">> = {}) => ({
  id,
  email: `${id}@example.com`,
  hashed_password: "x",
  is_active: true,
  is_superuser: false,
  is_verified: false,
  oauth_accounts: [],
  ...flags
})

const USERS: Record<string, User.User> = {
  active: makeUser("active"),
  verified: makeUser("verified", { is_verified: true }),
  superuser: makeUser("superuser", { is_verified: true, is_superuser: true }),
  unverifiedSuperuser: makeUser("unverified-superuser", { is_superuser: true }),
  inactive: makeUser("inactive", { is_active: false }),
  inactiveVerified: makeUser("inactive-verified", { is_active: false, is_verified: true })
}

const transport = (field: keyof Carrier): Transport.Transport<Carrier, string> => ({
  readToken: (carrier) => Option.fromNullishOr(carrier[field]).pipe(Option.filter((token) => token !== "")),
  loginResponse: (token) => Effect.succeed(`login:${token}`),
  logoutResponse: Effect.succeed("logout")
})

/**
 * A strategy resolving `<prefix>:<user key>` to that user, anything else to None, `<prefix>:down` to a
 * `StrategyError`; it records the tokens it is asked about.
 */
const strategy = (prefix: string, asked: Array<string>): Strategy.Strategy => ({
  readToken: (token) =>
    Effect.suspend(() => {
      asked.push(token)
      if (token === `${prefix}:down`) {
        return Effect.fail(new Strategy.StrategyError({ method: "readToken", cause: new Error("down") }))
      }
      const [head, key = ""] = token.split(":")
      return Effect.succeed(head === prefix ? Option.fromNullishOr(USERS[key]) : Option.none())
    }),
  writeToken: (user) => Effect.succeed(`${prefix}:${user.id}`),
  destroyToken: () => Effect.void,
  destroyAllForUser: () => Effect.void
})

const setup = () => {
  const asked: Array<string> = []
  const bearer = AuthenticationBackend.make("jwt", transport("bearer"), strategy("jwt", asked))
  const cookie = AuthenticationBackend.make("cookie", transport("cookie"), strategy("db", asked))
  return { asked, bearer, cookie, authenticator: Authenticator.make([bearer, cookie]) }
}

/** The outcome of a guard as a short string: a user id and backend name, `none`, or the failure's tag. */
const outcome = (
  effect: Effect.Effect<Option.Option<Authenticator.Authenticated<Carrier>>, Authenticator.AuthenticationError>
) =>
  effect.pipe(
    Effect.map(Option.match({ onNone: () => "none", onSome: ({ backend, user }) => `${user.id}@${backend.name}` })),
    Effect.catch((error) => Effect.succeed(error._tag))
  )

describe("Authenticator", () => {
  it.effect("the first enabled backend whose token resolves to a user wins; its token is returned for logout", () =>
    Effect.gen(function*() {
      const { asked, authenticator, bearer } = setup()
      const auth = yield* authenticator
      const result = yield* auth.authenticate({ bearer: "jwt:active", cookie: "db:verified" })
      assert.isTrue(Option.isSome(result))
      const { backend, token, user } = Option.getOrThrow(result)
      assert.strictEqual(user, USERS.active)
      assert.strictEqual(token, "jwt:active")
      assert.strictEqual(backend, bearer)
      // The loop stops at the first user: the cookie's strategy is never asked.
      assert.deepStrictEqual(asked, ["jwt:active"])
    }))

  it.effect("a present but invalid token does not stop the next backend (bad bearer + good cookie)", () =>
    Effect.gen(function*() {
      const { asked, authenticator, cookie } = setup()
      const auth = yield* authenticator
      const result = Option.getOrThrow(yield* auth.authenticate({ bearer: "jwt:nobody", cookie: "db:verified" }))
      assert.strictEqual(result.user, USERS.verified)
      assert.strictEqual(result.token, "db:verified")
      assert.strictEqual(result.backend, cookie)
      assert.deepStrictEqual(asked, ["jwt:nobody", "db:verified"])
    }))

  it.effect("a backend without a token is skipped without asking its strategy", () =>
    Effect.gen(function*() {
      const { asked, authenticator } = setup()
      const auth = yield* authenticator
      assert.strictEqual(yield* outcome(auth.authenticate({ bearer: "", cookie: "db:active" })), "active@cookie")
      assert.deepStrictEqual(asked, ["db:active"])
    }))

  it.effect("only the enabled backends are tried, in configuration order", () =>
    Effect.gen(function*() {
      const { asked, authenticator } = setup()
      const auth = yield* authenticator
      const carrier = { bearer: "jwt:active", cookie: "db:verified" }
      assert.strictEqual(yield* outcome(auth.authenticate(carrier, { backends: ["cookie"] })), "verified@cookie")
      assert.strictEqual(yield* outcome(auth.authenticate(carrier, { backends: ["cookie", "jwt"] })), "active@jwt")
      assert.strictEqual(yield* outcome(auth.authenticate(carrier, { backends: [] })), "Unauthorized")
      assert.deepStrictEqual(asked, ["db:verified", "jwt:active"])
    }))

  // As in FastAPI Users 15.0.5's current_user: the requirements are checked on the winning user only; 401 when no user or an
  // inactive one with `active`, else 403 for an unmet `verified` / `superuser`; `optional` turns both into None.
  const matrix: ReadonlyArray<
    readonly [string, Carrier, Authenticator.Requirements, string]
  > = [
    ["no token", {}, {}, "Unauthorized"],
    ["an invalid token", { bearer: "jwt:nobody" }, {}, "Unauthorized"],
    ["a user with no requirement", { bearer: "jwt:active" }, {}, "active@jwt"],
    ["an inactive user, active not required", { bearer: "jwt:inactive" }, {}, "inactive@jwt"],
    ["an inactive user, active required", { bearer: "jwt:inactive" }, { active: true }, "Unauthorized"],
    ["an inactive unverified user, active and verified", { bearer: "jwt:inactive" }, {
      active: true,
      verified: true
    }, "Unauthorized"],
    [
      "an inactive verified user, verified only",
      { bearer: "jwt:inactiveVerified" },
      { verified: true },
      "inactive-verified@jwt"
    ],
    ["an inactive unverified user, verified only", { bearer: "jwt:inactive" }, { verified: true }, "Forbidden"],
    ["an unverified user, verified required", { bearer: "jwt:active" }, { active: true, verified: true }, "Forbidden"],
    [
      "a verified user, verified required",
      { bearer: "jwt:verified" },
      { active: true, verified: true },
      "verified@jwt"
    ],
    ["a non-superuser, superuser required", { bearer: "jwt:verified" }, { active: true, superuser: true }, "Forbidden"],
    [
      "a superuser, superuser required",
      { bearer: "jwt:superuser" },
      { active: true, superuser: true },
      "superuser@jwt"
    ],
    ["an unverified superuser, both required", { bearer: "jwt:unverifiedSuperuser" }, {
      active: true,
      verified: true,
      superuser: true
    }, "Forbidden"],
    ["a verified superuser, both required", { bearer: "jwt:superuser" }, {
      active: true,
      verified: true,
      superuser: true
    }, "superuser@jwt"],
    ["the first user fails: no fallback to the next backend", { bearer: "jwt:active", cookie: "db:superuser" }, {
      superuser: true
    }, "Forbidden"],
    ["optional, no token", {}, { optional: true }, "none"],
    ["optional, inactive", { bearer: "jwt:inactive" }, { optional: true, active: true }, "none"],
    ["optional, unverified", { bearer: "jwt:active" }, { optional: true, verified: true }, "none"],
    ["optional, not a superuser", { bearer: "jwt:active" }, { optional: true, superuser: true }, "none"],
    ["optional, a user meeting the requirements", { bearer: "jwt:superuser" }, {
      optional: true,
      active: true,
      superuser: true
    }, "superuser@jwt"]
  ]
  for (const [name, carrier, requirements, expected] of matrix) {
    it.effect(`401/403 matrix: ${name} → ${expected}`, () =>
      Effect.gen(function*() {
        const auth = yield* setup().authenticator
        assert.strictEqual(yield* outcome(auth.authenticate(carrier, requirements)), expected)
        assert.strictEqual(yield* outcome(auth.guard(requirements)(carrier)), expected)
      }))
  }

  it.effect("a strategy failure is not a 401: it fails the request (503 at the HTTP layer)", () =>
    Effect.gen(function*() {
      const auth = yield* setup().authenticator
      const error = yield* Effect.flip(auth.authenticate({ bearer: "jwt:down", cookie: "db:active" }))
      assert.strictEqual(error._tag, "StrategyError")
      const optional = yield* Effect.flip(auth.authenticate({ bearer: "jwt:down" }, { optional: true }))
      assert.strictEqual(optional._tag, "StrategyError")
    }))

  it.effect("the 401 and 403 failures are built once, not per request", () =>
    Effect.gen(function*() {
      const auth = yield* setup().authenticator
      const guard = auth.guard({ active: true, superuser: true })
      const first = yield* Effect.flip(guard({}))
      const second = yield* Effect.flip(auth.guard({ verified: true })({ bearer: "jwt:nobody" }))
      assert.instanceOf(first, Authenticator.Unauthorized)
      assert.strictEqual(first, second)
      const forbidden = yield* Effect.flip(guard({ bearer: "jwt:active" }))
      assert.instanceOf(forbidden, Authenticator.Forbidden)
      assert.strictEqual(forbidden, yield* Effect.flip(guard({ cookie: "db:verified" })))
    }))

  it.effect("a guard built once serves many carriers", () =>
    Effect.gen(function*() {
      const auth = yield* setup().authenticator
      const guard = auth.guard({ active: true })
      assert.strictEqual(yield* outcome(guard({ bearer: "jwt:active" })), "active@jwt")
      assert.strictEqual(yield* outcome(guard({ cookie: "db:superuser" })), "superuser@cookie")
      assert.strictEqual(yield* outcome(guard({ cookie: "db:inactive" })), "Unauthorized")
    }))

  describe("backend names", () => {
    it("are sanitised as FastAPI Users names its dependency parameters", () => {
      assert.strictEqual(Authenticator.sanitizeName("mock-bis"), "mockbis")
      assert.strictEqual(Authenticator.sanitizeName("jwt"), "jwt")
      assert.strictEqual(Authenticator.sanitizeName("1st_backend"), "st_backend")
      assert.strictEqual(Authenticator.sanitizeName("_9 cookie.v2"), "cookiev2")
    })

    it.effect("two backends whose sanitised names collide are rejected at construction", () =>
      Effect.gen(function*() {
        const { bearer, cookie } = setup()
        const clash = AuthenticationBackend.make("mock-bis", bearer.transport, bearer.strategy)
        const twin = AuthenticationBackend.make("mockbis", cookie.transport, cookie.strategy)
        const error = yield* Effect.flip(Authenticator.make([clash, cookie, twin]))
        assert.strictEqual(error._tag, "DuplicateBackendNames")
        assert.deepStrictEqual(error.names, ["mock-bis", "mockbis"])
        const leading = AuthenticationBackend.make("2jwt", cookie.transport, cookie.strategy)
        assert.strictEqual((yield* Effect.flip(Authenticator.make([bearer, leading])))._tag, "DuplicateBackendNames")
        const distinct = yield* Authenticator.make([clash, cookie])
        assert.strictEqual(distinct.backends.length, 2)
      }))
  })

  it.effect("over the memory repositories: a stored access token resolves to its stored, current user", () =>
    Effect.gen(function*() {
      const users = yield* UserRepository.UserRepository
      const tokens = yield* AccessTokenRepository.AccessTokenRepository
      // A database-style strategy written against the two ports.
      const db: Strategy.Strategy = {
        readToken: (token) =>
          tokens.getByToken(token, Option.none()).pipe(
            Effect.mapError((cause) => new Strategy.StrategyError({ method: "readToken", cause })),
            Effect.flatMap(Option.match({
              onNone: () => Effect.succeed(Option.none()),
              onSome: (record) => users.get(record.user_id)
            }))
          ),
        writeToken: () => Effect.die("unused"),
        destroyToken: () => Effect.void,
        destroyAllForUser: () => Effect.void
      }
      const user = yield* users.create({
        email: "ada@example.com",
        hashed_password: "x",
        is_active: true,
        is_superuser: false,
        is_verified: true
      })
      yield* tokens.create({ token: "t-1", user_id: user.id, created_at: yield* DateTime.now })
      const auth = yield* Authenticator.make([AuthenticationBackend.make("db", transport("cookie"), db)])
      const guard = auth.guard({ active: true, verified: true })
      assert.strictEqual(yield* outcome(guard({ cookie: "t-1" })), `${user.id}@db`)
      assert.strictEqual(yield* outcome(guard({ cookie: "t-2" })), "Unauthorized")
      yield* users.update(user, { is_verified: false })
      assert.strictEqual(yield* outcome(guard({ cookie: "t-1" })), "Forbidden")
      yield* users.update(user, { is_active: false })
      assert.strictEqual(yield* outcome(guard({ cookie: "t-1" })), "Unauthorized")
      assert.strictEqual(yield* outcome(auth.authenticate({ cookie: "t-1" })), `${user.id}@db`)
      yield* tokens.delete("t-1")
      assert.strictEqual(yield* outcome(auth.authenticate({ cookie: "t-1" })), "Unauthorized")
    }).pipe(
      Effect.provide(
        Layer.mergeAll(UserRepository.layerMemory, AccessTokenRepository.layerMemory).pipe(
          Layer.provide(User.layerDefaultModel)
        )
      )
    ))
})
