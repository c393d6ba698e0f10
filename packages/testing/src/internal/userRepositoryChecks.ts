import type { OAuthAccount, User } from "@effect-users/core/User"
import { UserModel } from "@effect-users/core/User"
import type { OAuthAccountCreate } from "@effect-users/core/UserRepository"
import { UserRepository } from "@effect-users/core/UserRepository"
import { assert } from "@effect/vitest"
import { Effect, Result } from "effect"
import type { Fields } from "./fixtures.ts"
import {
  assertFailsWith,
  assertNone,
  assertSameUser,
  assertSome,
  insert,
  tagOf,
  uniqueEmail,
  uniqueString,
  unknownId
} from "./fixtures.ts"
import type { Check } from "./harness.ts"

type R = UserRepository | UserModel

const oauthAccount = (oauthName: string, overrides: Partial<OAuthAccountCreate> = {}): OAuthAccountCreate => ({
  oauth_name: oauthName,
  access_token: uniqueString("access"),
  expires_at: 1_767_225_600,
  refresh_token: null,
  account_id: uniqueString("account"),
  account_email: uniqueEmail("provider"),
  ...overrides
})

const assertAccount = (actual: OAuthAccount | undefined, expected: OAuthAccountCreate, message: string) => {
  if (actual === undefined) return assert.fail(`${message}: the account is missing`)
  assert.isString(actual.id, `${message}: the account has an id`)
  const { id: _, ...fields } = actual
  assert.deepStrictEqual(fields, expected, message)
}

/** Swaps the case of the letters of `text` selected by the bits of `variant`. */
const caseVariant = (text: string, variant: number): string =>
  Array.from(text, (char, index) => ((variant >> (index % 8)) & 1) === 1 ? char.toUpperCase() : char).join("")

/** The checks of `UserRepositoryConformance.suite`. */
export const userRepositoryChecks = (fields: Fields): ReadonlyArray<Check<R>> => {
  const create = (label: string) =>
    Effect.gen(function*() {
      const repository = yield* UserRepository
      return yield* repository.create(insert(uniqueEmail(label), fields))
    })

  return [
    {
      name: "create returns the user with an id and no OAuth accounts",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const model = yield* UserModel
        const values = insert(uniqueEmail("create"), fields)
        const user = yield* repository.create(values)
        assert.isTrue(
          model.id.parse(model.id.format(user.id))._tag === "Some",
          `the id ${JSON.stringify(user.id)} is of the model's kind (${model.id._tag})`
        )
        assert.deepStrictEqual(user.oauth_accounts, [], "a new user has no OAuth accounts")
        assert.strictEqual(user.email, values.email)
        assert.strictEqual(user.hashed_password, values.hashed_password)
        assert.strictEqual(user.is_active, true)
        assert.strictEqual(user.is_superuser, false)
        assert.strictEqual(user.is_verified, false)
        const other = yield* create("create-other")
        assert.notStrictEqual(model.id.format(other.id), model.id.format(user.id), "two users get two ids")
      })
    },
    {
      name: "get returns the stored user",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* repository.create({
          ...insert(uniqueEmail("get"), fields),
          is_active: false,
          is_superuser: true,
          is_verified: true
        })
        assert.strictEqual(user.is_active, false, "create keeps the flags it is given")
        assert.strictEqual(user.is_superuser, true, "create keeps the flags it is given")
        assert.strictEqual(user.is_verified, true, "create keeps the flags it is given")
        const found = assertSome(yield* repository.get(user.id), "get of a created user")
        yield* assertSameUser(found, user)
        assert.strictEqual(found.email, user.email)
        assert.strictEqual(found.hashed_password, user.hashed_password)
        assert.strictEqual(found.is_active, user.is_active)
        assert.strictEqual(found.is_superuser, user.is_superuser)
        assert.strictEqual(found.is_verified, user.is_verified)
        assert.deepStrictEqual(found.oauth_accounts, [])
      })
    },
    {
      name: "get of an unknown id is None",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        assertNone(yield* repository.get(yield* unknownId), "get of an id no user has")
      })
    },
    {
      name: "getByEmail is case-insensitive and the stored e-mail keeps its case",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const email = uniqueEmail("Mixed.Case").replace("example.com", "Example.COM")
        const user = yield* repository.create(insert(email, fields))
        assert.strictEqual(user.email, email, "create returns the address as given")
        for (const variant of [email, email.toLowerCase(), email.toUpperCase()]) {
          const found = assertSome(yield* repository.getByEmail(variant), `getByEmail(${variant})`)
          yield* assertSameUser(found, user, `getByEmail(${variant}) finds the user`)
          assert.strictEqual(found.email, email, "the stored e-mail keeps its case")
        }
        const byId = assertSome(yield* repository.get(user.id), "get")
        assert.strictEqual(byId.email, email, "the stored e-mail keeps its case")
      })
    },
    {
      // @see issue 13: a store keying on its own (locale-dependent) lower-casing let both of these register.
      name: "uniqueness and lookups follow core's Email.key beyond ASCII (case and composition)",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const email = uniqueEmail("äda")
        const user = yield* repository.create(insert(email, fields))
        for (const variant of [email.toUpperCase(), email.normalize("NFD"), email.normalize("NFD").toUpperCase()]) {
          const failure = yield* Effect.flip(repository.create(insert(variant, fields)))
          assert.strictEqual(tagOf(failure), "UserAlreadyExists", `create(${variant}) is the same address`)
          const found = assertSome(yield* repository.getByEmail(variant), `getByEmail(${variant})`)
          yield* assertSameUser(found, user)
          assert.strictEqual(found.email, email, "the stored e-mail keeps its spelling")
        }
      })
    },
    {
      name: "getByEmail of an unknown address is None",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("known")
        assertNone(yield* repository.getByEmail(uniqueEmail("unknown")), "getByEmail of an address no user has")
        assertNone(yield* repository.getByEmail(`x${user.email}`), "getByEmail does not match a suffix")
        assertNone(yield* repository.getByEmail(user.email.slice(1)), "getByEmail does not match a substring")
      })
    },
    {
      // Login forms pass the username through unvalidated: a key no store can hold must not become a storage error.
      name: "lookups by a key holding a NUL character are None",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("nul")
        assertNone(yield* repository.getByEmail("\u0000"), "getByEmail of a NUL")
        assertNone(yield* repository.getByEmail(`${user.email}\u0000`), "getByEmail of a stored address plus a NUL")
        assertNone(
          yield* repository.getByOAuthAccount("provider\u0000", "account\u0000"),
          "getByOAuthAccount with NULs"
        )
      })
    },
    {
      name: "create of an address in another case fails with UserAlreadyExists",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("duplicate")
        yield* assertFailsWith(
          repository.create(insert(user.email, fields)),
          "UserAlreadyExists",
          "create of the same address"
        )
        yield* assertFailsWith(
          repository.create(insert(user.email.toUpperCase(), fields)),
          "UserAlreadyExists",
          "create of the address in upper case"
        )
        const found = assertSome(yield* repository.getByEmail(user.email), "the first user is still there")
        yield* assertSameUser(found, user)
        assert.strictEqual(found.email, user.email, "the first user keeps its address")
      })
    },
    {
      name: "update to another user's address (any case) fails with UserAlreadyExists",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const first = yield* create("taken")
        const second = yield* create("taker")
        for (const email of [first.email, first.email.toUpperCase()]) {
          yield* assertFailsWith(
            repository.update(second, { email }),
            "UserAlreadyExists",
            `update to another user's address ${email}`
          )
        }
        const stored = assertSome(yield* repository.get(second.id), "the second user is still there")
        assert.strictEqual(stored.email, second.email, "a failed update leaves the address unchanged")
        const owner = assertSome(yield* repository.getByEmail(first.email), "the first user is still there")
        yield* assertSameUser(owner, first, "the address still belongs to the first user")
      })
    },
    {
      name: "update returns the stored user",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("update")
        const updated = yield* repository.update(user, {
          hashed_password: "rehashed",
          is_active: false,
          is_superuser: true,
          is_verified: true
        })
        yield* assertSameUser(updated, user)
        assert.strictEqual(updated.email, user.email, "fields not in the patch are kept")
        assert.strictEqual(updated.hashed_password, "rehashed")
        assert.strictEqual(updated.is_active, false)
        assert.strictEqual(updated.is_superuser, true)
        assert.strictEqual(updated.is_verified, true)
        const stored = assertSome(yield* repository.get(user.id), "get after update")
        assert.strictEqual(stored.hashed_password, "rehashed")
        assert.strictEqual(stored.is_active, false)
        assert.strictEqual(stored.is_superuser, true)
        assert.strictEqual(stored.is_verified, true)
      })
    },
    {
      name: "update of the e-mail moves the lookup to the new address",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("move")
        const recased = user.email.toUpperCase()
        const same = yield* repository.update(user, { email: recased })
        assert.strictEqual(same.email, recased, "a user may change the case of its own address")
        const target = uniqueEmail("moved")
        const moved = yield* repository.update(same, { email: target })
        assert.strictEqual(moved.email, target)
        assertNone(yield* repository.getByEmail(user.email), "the old address finds nobody")
        const found = assertSome(yield* repository.getByEmail(target.toUpperCase()), "the new address finds the user")
        yield* assertSameUser(found, user)
        const reuse = yield* repository.create(insert(user.email, fields))
        assert.strictEqual(reuse.email, user.email, "the old address is free again")
      })
    },
    {
      name: "delete then get is None",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("delete")
        const other = yield* create("survivor")
        yield* repository.delete(user)
        assertNone(yield* repository.get(user.id), "get of a deleted user")
        assertNone(yield* repository.getByEmail(user.email), "getByEmail of a deleted user")
        assertSome(yield* repository.get(other.id), "another user survives")
        const again = yield* repository.create(insert(user.email, fields))
        assert.strictEqual(again.email, user.email, "the address of a deleted user is free again")
      })
    },
    {
      name: "a write to a deleted user fails with UserRepositoryError and does not recreate it",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("ghost")
        const linked = yield* repository.addOAuthAccount(user, oauthAccount("github"))
        yield* repository.delete(user)
        yield* assertFailsWith(repository.update(user, { is_verified: true }), "UserRepositoryError", "update")
        const account = oauthAccount("github")
        yield* assertFailsWith(repository.addOAuthAccount(user, account), "UserRepositoryError", "addOAuthAccount")
        const existing = linked.oauth_accounts[0]
        if (existing === undefined) return assert.fail("the account is missing")
        yield* assertFailsWith(
          repository.updateOAuthAccount(linked, existing, { access_token: "x" }),
          "UserRepositoryError",
          "updateOAuthAccount"
        )
        assertNone(yield* repository.get(user.id), "get of the deleted user")
        assertNone(yield* repository.getByEmail(user.email), "getByEmail of the deleted user")
        assertNone(yield* repository.getByOAuthAccount("github", account.account_id), "the new link")
      })
    },
    {
      name: "addOAuthAccount links an account and getByOAuthAccount finds the user",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("oauth")
        const account = oauthAccount("github")
        const linked = yield* repository.addOAuthAccount(user, account)
        yield* assertSameUser(linked, user)
        assert.strictEqual(linked.email, user.email)
        assert.strictEqual(linked.oauth_accounts.length, 1, "one account")
        assertAccount(linked.oauth_accounts[0], account, "addOAuthAccount returns the user with the account")
        const found = assertSome(
          yield* repository.getByOAuthAccount("github", account.account_id),
          "getByOAuthAccount(provider, account id)"
        )
        yield* assertSameUser(found, user)
        assertAccount(found.oauth_accounts[0], account, "getByOAuthAccount returns the accounts")
        assertNone(yield* repository.getByOAuthAccount("google", account.account_id), "another provider")
        assertNone(yield* repository.getByOAuthAccount("github", uniqueString("account")), "another account id")
      })
    },
    {
      name: "OAuth accounts survive reads, in insertion order",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("accounts")
        const first = oauthAccount("github")
        const second = oauthAccount("google", { refresh_token: "refresh", expires_at: null })
        yield* repository.addOAuthAccount(user, first)
        const both = yield* repository.addOAuthAccount(user, second)
        assert.strictEqual(both.oauth_accounts.length, 2)
        assertAccount(both.oauth_accounts[0], first, "the first account")
        assertAccount(both.oauth_accounts[1], second, "the second account")
        const reads: ReadonlyArray<[string, User]> = [
          ["get", assertSome(yield* repository.get(user.id), "get")],
          ["getByEmail", assertSome(yield* repository.getByEmail(user.email), "getByEmail")],
          [
            "getByOAuthAccount",
            assertSome(yield* repository.getByOAuthAccount("google", second.account_id), "by OAuth")
          ]
        ]
        for (const [read, found] of reads) {
          assert.strictEqual(found.oauth_accounts.length, 2, `${read} returns both accounts`)
          assertAccount(found.oauth_accounts[0], first, `${read}: the first account`)
          assertAccount(found.oauth_accounts[1], second, `${read}: the second account`)
        }
        const updated = yield* repository.update(both, { is_verified: true })
        assert.strictEqual(updated.oauth_accounts.length, 2, "update returns the accounts")
      })
    },
    {
      name: "a second link of the same pair to the same user updates it",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("relink")
        const account = oauthAccount("github")
        const linked = yield* repository.addOAuthAccount(user, account)
        const id = linked.oauth_accounts[0]?.id
        const renewed = { ...account, access_token: uniqueString("renewed"), expires_at: 1_800_000_000 }
        const relinked = yield* repository.addOAuthAccount(linked, renewed)
        assert.strictEqual(relinked.oauth_accounts.length, 1, "no duplicate link")
        assertAccount(relinked.oauth_accounts[0], renewed, "the link is updated")
        assert.strictEqual(relinked.oauth_accounts[0]?.id, id, "the link keeps its id")
        const stored = assertSome(yield* repository.get(user.id), "get")
        assert.strictEqual(stored.oauth_accounts.length, 1, "no duplicate link is stored")
        assertAccount(stored.oauth_accounts[0], renewed, "the stored link is updated")
      })
    },
    {
      name: "linking a pair held by another user fails with OAuthAccountAlreadyLinked",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const owner = yield* create("owner")
        const intruder = yield* create("intruder")
        const account = oauthAccount("github")
        yield* repository.addOAuthAccount(owner, account)
        yield* assertFailsWith(
          repository.addOAuthAccount(intruder, { ...account, access_token: uniqueString("other") }),
          "OAuthAccountAlreadyLinked",
          "linking another user's provider account"
        )
        const found = assertSome(yield* repository.getByOAuthAccount("github", account.account_id), "by OAuth")
        yield* assertSameUser(found, owner, "the account stays with its owner")
        assertAccount(found.oauth_accounts[0], account, "the owner's link is unchanged")
        const stored = assertSome(yield* repository.get(intruder.id), "get")
        assert.deepStrictEqual(stored.oauth_accounts, [], "the other user got no link")
      })
    },
    {
      name: "updateOAuthAccount changes the account's fields",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("oauth-update")
        const account = oauthAccount("github")
        const other = oauthAccount("google")
        yield* repository.addOAuthAccount(user, account)
        const linked = yield* repository.addOAuthAccount(user, other)
        const current = linked.oauth_accounts[0]
        if (current === undefined) return assert.fail("the account is missing")
        const patch = { access_token: uniqueString("refreshed"), expires_at: null, refresh_token: "refresh" }
        const updated = yield* repository.updateOAuthAccount(linked, current, patch)
        yield* assertSameUser(updated, user)
        assert.strictEqual(updated.oauth_accounts.length, 2)
        assertAccount(updated.oauth_accounts[0], { ...account, ...patch }, "updateOAuthAccount returns the change")
        assertAccount(updated.oauth_accounts[1], other, "the other account is untouched")
        assert.strictEqual(updated.oauth_accounts[0]?.id, current.id, "the account keeps its id")
        const stored = assertSome(yield* repository.getByOAuthAccount("github", account.account_id), "by OAuth")
        assertAccount(stored.oauth_accounts[0], { ...account, ...patch }, "the change is stored")
        assertAccount(stored.oauth_accounts[1], other, "the other account is stored untouched")
      })
    },
    {
      name: "concurrent updates of several users to one address: exactly one wins",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const users = yield* Effect.all(Array.from({ length: 10 }, () => create("update-race")))
        const email = uniqueEmail("update-race-target")
        const results = yield* Effect.all(
          users.map((user, variant) => Effect.result(repository.update(user, { email: caseVariant(email, variant) }))),
          { concurrency: "unbounded" }
        )
        const winners = results.filter(Result.isSuccess).map((result) => result.success)
        const failures = results.filter(Result.isFailure).map((result) => tagOf(result.failure))
        assert.strictEqual(winners.length, 1, "exactly one update succeeds")
        assert.deepStrictEqual(failures, Array.from({ length: 9 }, () => "UserAlreadyExists"))
        const winner = winners[0]
        if (winner === undefined) return
        const found = assertSome(yield* repository.getByEmail(email), "the winner holds the address")
        yield* assertSameUser(found, winner)
      })
    },
    {
      name: "concurrent links of one provider account to several users: exactly one wins",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const users = yield* Effect.all(Array.from({ length: 10 }, () => create("link-race")))
        const account = oauthAccount("github")
        const results = yield* Effect.all(
          users.map((user) => Effect.result(repository.addOAuthAccount(user, account))),
          { concurrency: "unbounded" }
        )
        const winners = results.filter(Result.isSuccess).map((result) => result.success)
        const failures = results.filter(Result.isFailure).map((result) => tagOf(result.failure))
        assert.strictEqual(winners.length, 1, "exactly one link succeeds")
        assert.deepStrictEqual(failures, Array.from({ length: 9 }, () => "OAuthAccountAlreadyLinked"))
        const winner = winners[0]
        if (winner === undefined) return
        const found = assertSome(yield* repository.getByOAuthAccount("github", account.account_id), "by OAuth")
        yield* assertSameUser(found, winner)
        let linked = 0
        for (const user of users) {
          const stored = assertSome(yield* repository.get(user.id), "get")
          linked += stored.oauth_accounts.length
        }
        assert.strictEqual(linked, 1, "one link is stored in all")
      })
    },
    {
      name: "deleting a user deletes its OAuth accounts",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("oauth-delete")
        const account = oauthAccount("github")
        yield* repository.addOAuthAccount(user, account)
        yield* repository.delete(user)
        assertNone(yield* repository.getByOAuthAccount("github", account.account_id), "the link is gone")
        const next = yield* create("oauth-next")
        const linked = yield* repository.addOAuthAccount(next, account)
        assert.strictEqual(linked.oauth_accounts.length, 1, "the provider account can be linked again")
      })
    },
    {
      name: "concurrent creates of one address: exactly one wins, the others fail with UserAlreadyExists",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const email = uniqueEmail("race")
        const results = yield* Effect.all(
          Array.from(
            { length: 20 },
            (_, variant) => Effect.result(repository.create(insert(caseVariant(email, variant), fields)))
          ),
          { concurrency: "unbounded" }
        )
        const winners = results.filter(Result.isSuccess).map((result) => result.success)
        const failures = results.filter(Result.isFailure).map((result) => tagOf(result.failure))
        assert.strictEqual(winners.length, 1, "exactly one create succeeds")
        assert.deepStrictEqual(failures, Array.from({ length: 19 }, () => "UserAlreadyExists"))
        const winner = winners[0]
        if (winner === undefined) return
        const found = assertSome(yield* repository.getByEmail(email), "the winner is stored")
        yield* assertSameUser(found, winner)
      })
    },
    {
      name: "replaceHashedPassword replaces the hash it expects, and only that one",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("replace")
        const replaced = assertSome(
          yield* repository.replaceHashedPassword(user, user.hashed_password, "$hash$second"),
          "a replacement expecting the stored hash is applied"
        )
        yield* assertSameUser(replaced, user)
        assert.strictEqual(replaced.hashed_password, "$hash$second", "it returns the user as stored after the write")
        assert.strictEqual(replaced.email, user.email, "the other fields are kept")
        const stored = assertSome(yield* repository.get(user.id), "get")
        assert.strictEqual(stored.hashed_password, "$hash$second", "the new hash is stored")
        assertNone(
          yield* repository.replaceHashedPassword(user, user.hashed_password, "$hash$third"),
          "a replacement expecting a hash that changed meanwhile is None"
        )
        const kept = assertSome(yield* repository.get(user.id), "get")
        assert.strictEqual(kept.hashed_password, "$hash$second", "a refused replacement writes nothing")
        yield* repository.delete(user)
        assertNone(
          yield* repository.replaceHashedPassword(user, "$hash$second", "$hash$fourth"),
          "a replacement for a deleted user is None"
        )
      })
    },
    {
      name: "concurrent replaceHashedPassword expecting one hash: exactly one is applied",
      run: Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* create("replace-race")
        const results = yield* Effect.all(
          Array.from(
            { length: 20 },
            (_, i) => repository.replaceHashedPassword(user, user.hashed_password, `$hash$racer-${i}`)
          ),
          { concurrency: "unbounded" }
        )
        const applied = results.flatMap((result, i) => (result._tag === "Some" ? [i] : []))
        assert.strictEqual(applied.length, 1, "exactly one replacement is applied (a reset token is single-use)")
        const stored = assertSome(yield* repository.get(user.id), "get")
        assert.strictEqual(stored.hashed_password, `$hash$racer-${applied[0]}`, "the stored hash is the winner's")
      })
    }
  ]
}

/** The checks of `UserRepositoryConformance.suiteCustomFields`. */
export const customFieldChecks = (create: Fields, update: Fields): ReadonlyArray<Check<R>> => [
  {
    name: "the model declares the custom fields",
    run: Effect.gen(function*() {
      const model = yield* UserModel
      const declared = Object.keys(model.fields).sort()
      assert.isAbove(declared.length, 0, "the layer's model declares custom fields")
      assert.deepStrictEqual(Object.keys(create).sort(), declared, "options.create gives every custom field")
      for (const field of Object.keys(update)) {
        assert.include(declared, field, `options.update's ${field} is a custom field`)
      }
    })
  },
  {
    name: "custom fields round-trip through create, get and getByEmail",
    run: Effect.gen(function*() {
      const repository = yield* UserRepository
      const user = yield* repository.create(insert(uniqueEmail("custom"), create))
      const reads: ReadonlyArray<[string, User]> = [
        ["create", user],
        ["get", assertSome(yield* repository.get(user.id), "get")],
        ["getByEmail", assertSome(yield* repository.getByEmail(user.email), "getByEmail")]
      ]
      for (const [read, found] of reads) {
        for (const [field, value] of Object.entries(create)) {
          assert.deepStrictEqual(Reflect.get(found, field), value, `${read} returns ${field}`)
        }
      }
    })
  },
  {
    name: "custom fields round-trip through update",
    run: Effect.gen(function*() {
      const repository = yield* UserRepository
      const user = yield* repository.create(insert(uniqueEmail("custom-update"), create))
      const updated = yield* repository.update(user, update)
      const stored = assertSome(yield* repository.get(user.id), "get")
      for (const [field, value] of Object.entries({ ...create, ...update })) {
        assert.deepStrictEqual(Reflect.get(updated, field), value, `update returns ${field}`)
        assert.deepStrictEqual(Reflect.get(stored, field), value, `get after update returns ${field}`)
      }
      const verified = yield* repository.update(stored, { is_verified: true })
      for (const [field, value] of Object.entries({ ...create, ...update })) {
        assert.deepStrictEqual(Reflect.get(verified, field), value, `an update of other fields keeps ${field}`)
      }
    })
  }
]
