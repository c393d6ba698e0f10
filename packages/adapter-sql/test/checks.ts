import { AccessTokenRepository } from "@effect-users/core/AccessTokenRepository"
import type { User, UserInsert } from "@effect-users/core/User"
import { UserRepository } from "@effect-users/core/UserRepository"
import type { Vitest } from "@effect/vitest"
import { assert } from "@effect/vitest"
import { DateTime, Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"

export type Services = UserRepository | AccessTokenRepository | SqlClient.SqlClient

export const unique = (local: string): string => `${local}.${randomBytes(4).toString("hex")}@Example.COM`

export const insert = (email: string, extra: Partial<UserInsert> = {}): UserInsert => ({
  email,
  hashed_password: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
  is_active: true,
  is_superuser: false,
  is_verified: false,
  ...extra
})

const account = (oauthName: string, accountId: string, token = "at-1") => ({
  oauth_name: oauthName,
  access_token: token,
  expires_at: 1_700_000_000,
  refresh_token: null,
  account_id: accountId,
  account_email: "provider@example.com"
})

/** The adapter's own checks (beyond the shared conformance suites), run on PostgreSQL and on the embedded PGlite. */
export const repositoryChecks = (it: Vitest.MethodsNonLive<Services>) => {
  it.effect("create, get, case-insensitive getByEmail; the stored e-mail keeps its case", () =>
    Effect.gen(function*() {
      const repo = yield* UserRepository
      const email = unique("King.Arthur")
      const created = yield* repo.create(insert(email))
      assert.strictEqual(created.email, email)
      assert.deepStrictEqual(created.oauth_accounts, [])
      assert.deepStrictEqual(yield* repo.get(created.id), Option.some(created))
      const found = yield* repo.getByEmail(email.toUpperCase())
      assert.deepStrictEqual(Option.map(found, (u) => u.id), Option.some(created.id))
      assert.isTrue(Option.isNone(yield* repo.getByEmail(`x${email}`)))
    }))

  it.effect("a duplicate e-mail in another case is UserAlreadyExists, on create and on update", () =>
    Effect.gen(function*() {
      const repo = yield* UserRepository
      const email = unique("dup")
      yield* repo.create(insert(email))
      const error = yield* Effect.flip(repo.create(insert(email.toLowerCase())))
      assert.strictEqual(error._tag, "UserAlreadyExists")
      const other = yield* repo.create(insert(unique("other")))
      const updateError = yield* Effect.flip(repo.update(other, { email: email.toUpperCase() }))
      assert.strictEqual(updateError._tag, "UserAlreadyExists")
      // changing only the case of one's own address is allowed (§14 Q1)
      const renamed = yield* repo.update(other, { email: other.email.toLowerCase(), is_verified: true })
      assert.strictEqual(renamed.email, other.email.toLowerCase())
      assert.isTrue(renamed.is_verified)
    }))

  it.effect("the e-mail lookup uses the email_lower index", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`SET enable_seqscan = off`
      const plan = yield* sql<
        { "QUERY PLAN": string }
      >`EXPLAIN SELECT id FROM "user" WHERE email_lower = ${"a@b.co"}`
      yield* sql`SET enable_seqscan = on`
      assert.match(plan.map((r) => r["QUERY PLAN"]).join("\n"), /uq_user_email_lower/)
    }))

  it.effect("an unknown id, e-mail or OAuth account is None", () =>
    Effect.gen(function*() {
      const repo = yield* UserRepository
      const created = yield* repo.create(insert(unique("gone")))
      yield* repo.delete(created)
      assert.isTrue(Option.isNone(yield* repo.get(created.id)))
      assert.isTrue(Option.isNone(yield* repo.getByEmail(created.email)))
      assert.isTrue(Option.isNone(yield* repo.getByOAuthAccount("nobody", "0")))
      yield* repo.delete(created)
    }))

  it.effect("OAuth accounts: linked in insertion order, re-linking updates, another user's account is refused", () =>
    Effect.gen(function*() {
      const repo = yield* UserRepository
      const user = yield* repo.create(insert(unique("oauth")))
      const provider = `google-${randomBytes(3).toString("hex")}`
      let linked = user
      for (const id of ["3", "1", "2"]) linked = yield* repo.addOAuthAccount(linked, account(provider, id))
      assert.deepStrictEqual(linked.oauth_accounts.map((a) => a.account_id), ["3", "1", "2"])
      const relinked = yield* repo.addOAuthAccount(linked, account(provider, "1", "at-2"))
      assert.strictEqual(relinked.oauth_accounts.length, 3)
      assert.strictEqual(relinked.oauth_accounts[1]?.access_token, "at-2")
      const other = yield* repo.create(insert(unique("thief")))
      const error = yield* Effect.flip(repo.addOAuthAccount(other, account(provider, "1")))
      assert.strictEqual(error._tag, "OAuthAccountAlreadyLinked")
      const found = yield* repo.getByOAuthAccount(provider, "1")
      assert.deepStrictEqual(Option.map(found, (u) => u.id), Option.some(user.id))
      const first = relinked.oauth_accounts[0] as User["oauth_accounts"][number]
      const updated = yield* repo.updateOAuthAccount(relinked, first, { access_token: "new", expires_at: null })
      assert.deepStrictEqual(updated.oauth_accounts[0], { ...first, access_token: "new", expires_at: null })
      assert.deepStrictEqual(yield* repo.get(user.id), Option.some(updated))
    }))

  it.effect("deleting a user deletes its OAuth accounts and access tokens", () =>
    Effect.gen(function*() {
      const repo = yield* UserRepository
      const tokens = yield* AccessTokenRepository
      const provider = `gh-${randomBytes(3).toString("hex")}`
      const user = yield* repo.create(insert(unique("cascade")))
      yield* repo.addOAuthAccount(user, account(provider, "42"))
      const token = randomBytes(32).toString("base64url")
      yield* tokens.create({ token, user_id: user.id, created_at: DateTime.makeUnsafe(1_700_000_000_123) })
      yield* repo.delete(user)
      assert.isTrue(Option.isNone(yield* repo.getByOAuthAccount(provider, "42")))
      assert.isTrue(Option.isNone(yield* tokens.getByToken(token, Option.none())))
    }))

  it.effect("access tokens: created_at kept to the millisecond, notBefore, deleteAllForUser counts", () =>
    Effect.gen(function*() {
      const repo = yield* UserRepository
      const tokens = yield* AccessTokenRepository
      const user = yield* repo.create(insert(unique("tokens")))
      const at = DateTime.makeUnsafe(1_700_000_000_123)
      const token = randomBytes(32).toString("base64url")
      assert.strictEqual(token.length, 43)
      const created = yield* tokens.create({ token, user_id: user.id, created_at: at })
      assert.deepStrictEqual(created, { token, user_id: user.id, created_at: at })
      assert.deepStrictEqual(yield* tokens.getByToken(token, Option.some(at)), Option.some(created))
      const later = DateTime.add(at, { milliseconds: 1 })
      assert.isTrue(Option.isNone(yield* tokens.getByToken(token, Option.some(later))))
      yield* tokens.create({ token: randomBytes(32).toString("base64url"), user_id: user.id, created_at: at })
      assert.strictEqual(yield* tokens.deleteAllForUser(user.id), 2)
      assert.strictEqual(yield* tokens.deleteAllForUser(user.id), 0)
      yield* tokens.delete(token)
    }))

  it.effect("50 concurrent creates of one address in case variants: exactly one user", () =>
    Effect.gen(function*() {
      const repo = yield* UserRepository
      const email = unique("race")
      const variants = Array.from({ length: 50 }, (_, i) =>
        [...email].map((c, j) => ((i >> (j % 6)) & 1) === 1 ? c.toUpperCase() : c.toLowerCase()).join(""))
      const results = yield* Effect.forEach(variants, (e) =>
        Effect.result(repo.create(insert(e))), {
        concurrency: "unbounded"
      })
      const failures = results.filter((r) => r._tag === "Failure").map((r) => r.failure._tag)
      assert.strictEqual(results.length - failures.length, 1)
      assert.deepStrictEqual(new Set(failures), new Set(["UserAlreadyExists"]))
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<
        { n: number }
      >`SELECT count(*)::int AS n FROM "user" WHERE lower(email) = lower(${email})`
      assert.strictEqual(row?.n, 1)
    }))
}
