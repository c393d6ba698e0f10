/**
 * A database FastAPI Users wrote itself through its Beanie adapter (fastapi-users-db-beanie 5.0.0 from PyPI, in the
 * reference virtual environment; scripts/reference/fastapi_users_beanie.py) is adopted: `MongoIndexes.run` backfills
 * and indexes it, its users log in through effect-users (an Argon2 hash kept, a bcrypt hash upgraded), its OAuth
 * account is found, and FastAPI Users still logs both in, finds the account and its access token afterwards.
 */
import { MongoDatabase, MongoIndexes, MongoUserRepository } from "@effect-users/adapter-mongo"
import * as Mailer from "@effect-users/core/Mailer"
import * as PasswordHasher from "@effect-users/core/PasswordHasher"
import * as PasswordPolicy from "@effect-users/core/PasswordPolicy"
import * as User from "@effect-users/core/User"
import * as UserHooks from "@effect-users/core/UserHooks"
import * as UserManager from "@effect-users/core/UserManager"
import { UserRepository } from "@effect-users/core/UserRepository"
import { requireUrl } from "@effect-users/testing/TestServices"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import type { Document } from "mongodb"
import { MongoClient, ObjectId } from "mongodb"
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { objectIdModel, uniqueName } from "./utils.ts"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const url = requireUrl("MONGODB_URL")
const database = uniqueName("eu_beanie")

let python = ""
const reference = (...args: ReadonlyArray<string>): unknown =>
  JSON.parse(
    execFileSync(python, [`${root}scripts/reference/fastapi_users_beanie.py`, ...args], { timeout: 120_000 })
      .toString()
  )

const argon = { email: "Argon.User@Example.com", stored: "Argon.User@example.com", password: "argon-password-1" }
const bcrypt = { email: "bcrypt.user@example.com", password: "bcrypt-password-1" }
interface Created {
  readonly argon2: { readonly id: string; readonly hashed_password: string }
  readonly bcrypt: { readonly id: string; readonly hashed_password: string }
  readonly oauth_account_id: string
  readonly token: string
}
let created: Created
let client: MongoClient
let beanieDocuments: Array<Document> = []
let beanieIndexes: Array<string> = []

beforeAll(async () => {
  python = execFileSync("bash", [`${root}scripts/reference/venv.sh`], { timeout: 600_000 }).toString().trim()
  created = reference("create", url, database, argon.email, argon.password, bcrypt.email, bcrypt.password) as Created
  client = await new MongoClient(url, MongoDatabase.recommendedClientOptions).connect()
  beanieDocuments = await client.db(database).collection("User").find().toArray()
  beanieIndexes = (await client.db(database).collection("AccessToken").indexes()).map((index) => String(index.name))
}, 600_000)

afterAll(async () => {
  await client?.db(database).dropDatabase()
  await client?.close()
})

const managerLayer = () =>
  UserManager.layer({
    verificationTokenSecret: Redacted.make("verify-secret-verify-secret-32bytes"),
    resetPasswordTokenSecret: Redacted.make("reset-secret-reset-secret-32-bytes!")
  }).pipe(
    Layer.provideMerge(MongoUserRepository.layer()),
    Layer.provide(MongoIndexes.layer()),
    Layer.provideMerge(
      Layer.mergeAll(
        // FastAPI Users' Argon2 parameters: its Argon2 users are not rehashed, its bcrypt users are
        PasswordHasher.layer(PasswordHasher.fastApiUsers),
        PasswordPolicy.layer,
        UserHooks.layer,
        Mailer.layerConsole,
        User.layerModel(objectIdModel),
        MongoDatabase.layer(client.db(database))
      )
    )
  )

describe("a database written by FastAPI Users' Beanie adapter", () => {
  it.live(
    "adopted: its users log in, its OAuth account is found, and FastAPI Users still works on it",
    () =>
      Effect.gen(function*() {
        const users = client.db(database).collection("User")
        // what Beanie wrote (read before the adoption): ObjectId ids, no email_lower, the OAuth account embedded
        assert.strictEqual(beanieDocuments.length, 2)
        for (const doc of beanieDocuments) {
          assert.instanceOf(doc._id, ObjectId)
          assert.notProperty(doc, "email_lower")
        }
        assert.deepStrictEqual(beanieIndexes.sort(), ["_id_", "token_1"])

        const manager = yield* UserManager.UserManager
        const argonUser = yield* manager.authenticate({ username: "argon.user@EXAMPLE.com", password: argon.password })
        assert.deepStrictEqual(Option.map(argonUser, (u) => u.id), Option.some(created.argon2.id))
        const bcryptUser = yield* manager.authenticate({ username: bcrypt.email, password: bcrypt.password })
        assert.deepStrictEqual(Option.map(bcryptUser, (u) => u.id), Option.some(created.bcrypt.id))
        assert.isTrue(Option.isNone(yield* manager.authenticate({ username: bcrypt.email, password: "wrong" })))

        // the Argon2 hash is kept; the bcrypt hash was upgraded at login
        const hashes = new Map(
          (yield* Effect.promise(() => users.find().toArray())).map((d) => [String(d._id), String(d.hashed_password)])
        )
        assert.strictEqual(hashes.get(created.argon2.id), created.argon2.hashed_password)
        assert.match(created.bcrypt.hashed_password, /^\$2b\$12\$/)
        assert.match(hashes.get(created.bcrypt.id) ?? "", /^\$argon2id\$v=19\$m=65536,t=3,p=4\$/)

        // its OAuth account is found, with Beanie's element id
        const repo = yield* UserRepository
        const linked = yield* repo.getByOAuthAccount("github", "4242")
        assert.deepStrictEqual(
          Option.map(linked, (u) => [u.id, u.email, u.oauth_accounts.map((a) => [a.id, a.access_token])]),
          Option.some([created.argon2.id, argon.stored, [[created.oauth_account_id, "gho_reference"]]])
        )
        // and a second user in another case of its address is refused by the new index
        const duplicate = yield* Effect.flip(repo.create({
          email: "ARGON.USER@example.com",
          hashed_password: "x",
          is_active: true,
          is_superuser: false,
          is_verified: false
        }))
        assert.strictEqual(duplicate._tag, "UserAlreadyExists")
        // effect-users writes what Beanie reads: a token refresh of the account
        const owner = Option.getOrThrow(linked)
        const account = owner.oauth_accounts[0]
        assert.isDefined(account)
        if (account !== undefined) yield* repo.updateOAuthAccount(owner, account, { access_token: "gho_refreshed" })

        // FastAPI Users itself still works on the adopted database: both log in (the bcrypt user by the upgraded
        // hash), the OAuth account and the access token are found
        const again = reference("check", url, database, argon.stored, argon.password, bcrypt.email, bcrypt.password)
        assert.deepStrictEqual(again, {
          logins: { [argon.stored]: created.argon2.id, [bcrypt.email]: created.bcrypt.id },
          oauth_owner: created.argon2.id,
          token_user: created.argon2.id
        })
        const refreshed = yield* Effect.promise(() => users.findOne({ _id: new ObjectId(created.argon2.id) }))
        assert.strictEqual(refreshed?.oauth_accounts?.[0]?.access_token, "gho_refreshed")
      }).pipe(Effect.provide(Layer.unwrap(Effect.sync(managerLayer)))),
    300_000
  )
})
