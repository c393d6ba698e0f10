/**
 * Races between two repository instances on two clients (as two processes have them) over one FerretDB database:
 * the database, not a lock in one process, must pick exactly one winner.
 *
 * FerretDB 1.x applies `findAndModify` / `update` as a read, a match in its own process and a whole-document write by
 * `_id` (see the README): only unique indexes are atomic there. So the links and e-mails are decided by unique
 * indexes, and a user's account changes by a claim document's unique `_id`.
 */
import { MongoDatabase, MongoIndexes, MongoUserRepository } from "@effect-users/adapter-mongo"
import * as User from "@effect-users/core/User"
import type { UserRepository } from "@effect-users/core/UserRepository"
import { requireUrl } from "@effect-users/testing/TestServices"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { MongoClient } from "mongodb"
import { randomBytes } from "node:crypto"
import { integerModel, objectIdModel, uniqueName } from "./utils.ts"

/** Rounds of each race (`CROSS_PROCESS_ROUNDS` raises it for a longer run). */
const ROUNDS = Number(process.env.CROSS_PROCESS_ROUNDS ?? 10)

const suffix = () => randomBytes(6).toString("hex")
const insert = (email: string) => ({
  email,
  hashed_password: "h",
  is_active: true,
  is_superuser: false,
  is_verified: false
})
const account = (oauthName: string, accountId: string, accessToken = "at") => ({
  oauth_name: oauthName,
  access_token: accessToken,
  expires_at: null,
  refresh_token: null,
  account_id: accountId,
  account_email: `${accountId}@example.com`
})

const name = uniqueName("eu_cross")
const integerName = uniqueName("eu_cross_int")
const clients: Array<MongoClient> = []
const repos: Array<UserRepository["Service"]> = []
const integerRepos: Array<UserRepository["Service"]> = []

/** One repository per client; the indexes created once, by the first. */
const instance = async (client: MongoClient, indexes: boolean, db = name, model = objectIdModel) => {
  const database = Layer.merge(MongoDatabase.layer(client.db(db)), User.layerModel(model))
  if (indexes) await Effect.runPromise(MongoIndexes.run().pipe(Effect.provide(database)))
  // a race checks who wins, not how fast: on a loaded machine concurrent calls may wait past the 1 s default
  return Effect.runPromise(MongoUserRepository.make({ timeout: "60 seconds" }).pipe(Effect.provide(database)))
}

beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    clients.push(await new MongoClient(requireUrl("MONGODB_URL"), MongoDatabase.recommendedClientOptions).connect())
  }
  for (const [i, client] of clients.entries()) repos.push(await instance(client, i === 0))
  for (const [i, client] of clients.entries()) {
    integerRepos.push(await instance(client, i === 0, integerName, integerModel))
  }
})

afterAll(async () => {
  await clients[0]?.db(name).dropDatabase()
  await clients[0]?.db(integerName).dropDatabase()
  for (const client of clients) await client.close()
})

/** The instance the i-th concurrent call goes through: alternately the first and the second. */
const via = (i: number): UserRepository["Service"] => {
  const repo = repos[i % 2]
  if (repo === undefined) throw new Error("the repositories were not built")
  return repo
}

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.exit(effect))
const tags = (exits: ReadonlyArray<Exit.Exit<unknown, { readonly _tag: string }>>) =>
  exits.map((exit) =>
    Exit.isSuccess(exit) ? "ok" : exit.cause.toString().includes("OAuthAccountAlreadyLinked")
      ? "OAuthAccountAlreadyLinked"
      : exit.cause.toString().includes("UserAlreadyExists")
      ? "UserAlreadyExists"
      : exit.cause.toString()
  )
const count = (values: ReadonlyArray<string>, value: string) => values.filter((v) => v === value).length

describe("two instances on two clients (FerretDB)", () => {
  it(`${ROUNDS} rounds: 10 users link one provider account at once: one link, held by the user it names`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const users = await Promise.all(
        Array.from({ length: 10 }, (_, i) => Effect.runPromise(via(i).create(insert(`l${i}.${suffix()}@x.io`))))
      )
      const accountId = suffix()
      const exits = await Promise.all(
        users.map((user, i) => run(via(i).addOAuthAccount(user, account("gh", accountId))))
      )
      const outcome = tags(exits)
      assert.strictEqual(count(outcome, "ok"), 1, outcome.join(", "))
      assert.strictEqual(count(outcome, "OAuthAccountAlreadyLinked"), 9, outcome.join(", "))
      const winner = users[outcome.indexOf("ok")]
      const found = await Effect.runPromise(via(round).getByOAuthAccount("gh", accountId))
      assert.strictEqual(found._tag === "Some" ? found.value.id : null, winner?.id)
      // no loser holds the account in its own document
      for (const user of users) {
        const stored = await Effect.runPromise(via(round + 1).get(user.id))
        const holds = stored._tag === "Some" && stored.value.oauth_accounts.some((a) => a.account_id === accountId)
        assert.strictEqual(holds, user.id === winner?.id)
      }
    }
  }, 120_000)

  it(`${ROUNDS} rounds: one user links one account 6 times and two others 2 times at once: nothing lost`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const user = await Effect.runPromise(via(0).create(insert(`s.${suffix()}@x.io`)))
      const same = suffix()
      const others = [suffix(), suffix()]
      const calls = [
        ...Array.from({ length: 6 }, (_, i) => account("gh", same, `token-${i}`)),
        ...others.flatMap((id) => [account("google", id), account("google", id)])
      ]
      const exits = await Promise.all(calls.map((a, i) => run(via(i).addOAuthAccount(user, a))))
      assert.deepStrictEqual(tags(exits), calls.map(() => "ok"))
      const stored = await Effect.runPromise(via(1).get(user.id))
      assert.strictEqual(stored._tag, "Some")
      const accounts = stored._tag === "Some" ? stored.value.oauth_accounts : []
      // one element per pair, none dropped by another's write
      assert.deepStrictEqual(accounts.map((a) => a.account_id).sort(), [same, ...others].sort())
      // every call saw the element that is stored (its id), as later calls update it in place
      const storedId = accounts.find((a) => a.account_id === same)?.id
      for (const exit of exits.slice(0, 6)) {
        assert.isTrue(Exit.isSuccess(exit))
        if (Exit.isSuccess(exit)) {
          assert.strictEqual(exit.value.oauth_accounts.find((a) => a.account_id === same)?.id, storedId)
        }
      }
    }
  }, 120_000)

  it(`${ROUNDS} rounds: 10 creations of one address in case variants at once: one user`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const local = `race.${suffix()}`
      const variants = Array.from(
        { length: 10 },
        (_, i) => i % 2 === 0 ? `${local}@x.io` : `${local.toUpperCase()}@X.IO`
      )
      const exits = await Promise.all(variants.map((email, i) => run(via(i).create(insert(email)))))
      const outcome = tags(exits)
      assert.strictEqual(count(outcome, "ok"), 1, outcome.join(", "))
      assert.strictEqual(count(outcome, "UserAlreadyExists"), 9, outcome.join(", "))
      const stored = await clients[0]?.db(name).collection("User").countDocuments({ email_lower: `${local}@x.io` })
      assert.strictEqual(stored, 1)
    }
  }, 120_000)

  it(`${ROUNDS} rounds: 10 users change their e-mail into one address at once: one change`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const users = await Promise.all(
        Array.from({ length: 10 }, (_, i) => Effect.runPromise(via(i).create(insert(`c${i}.${suffix()}@x.io`))))
      )
      const target = `target.${suffix()}`
      const exits = await Promise.all(
        users.map((user, i) => run(via(i).update(user, { email: i % 2 === 0 ? `${target}@x.io` : `${target}@X.IO` })))
      )
      const outcome = tags(exits)
      assert.strictEqual(count(outcome, "ok"), 1, outcome.join(", "))
      assert.strictEqual(count(outcome, "UserAlreadyExists"), 9, outcome.join(", "))
      const holders = await clients[0]?.db(name).collection("User").countDocuments({ email_lower: `${target}@x.io` })
      assert.strictEqual(holders, 1)
    }
  }, 120_000)

  it(`${ROUNDS} rounds: 10 creations of different addresses with integer ids at once: ten users, ten ids`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const exits = await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const repo = integerRepos[i % 2]
          if (repo === undefined) throw new Error("the repositories were not built")
          // the integer model's custom fields ride along (the port's insert type names only the base fields)
          const withFields = { ...insert(`n${i}.${suffix()}@x.io`), nickname: "n", age: null }
          return run(repo.create(withFields))
        })
      )
      const outcome = tags(exits)
      assert.deepStrictEqual(outcome, outcome.map(() => "ok"))
      const ids = exits.flatMap((exit) => Exit.isSuccess(exit) ? [exit.value.id] : [])
      assert.strictEqual(new Set(ids).size, 10)
    }
  }, 120_000)
})
