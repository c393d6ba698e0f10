import { requireUrl } from "@effect-users/testing/TestServices"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { MongoClient, MongoServerError } from "mongodb"

describe("FerretDB harness", () => {
  it.live("connects, writes, reads back, and a unique index rejects a duplicate with code 11000", () =>
    Effect.gen(function*() {
      const client = yield* Effect.acquireRelease(
        Effect.promise(() => new MongoClient(requireUrl("MONGODB_URL"), { serverSelectionTimeoutMS: 5_000 }).connect()),
        (c) => Effect.promise(() => c.close())
      )
      const db = client.db(`smoke_${process.pid}`)
      yield* Effect.addFinalizer(() => Effect.promise(() => db.dropDatabase()).pipe(Effect.ignore))
      const users = db.collection<{ email: string }>("users")
      yield* Effect.promise(() => users.createIndex({ email: 1 }, { unique: true }))
      yield* Effect.promise(() => users.insertOne({ email: "ada@example.com" }))
      const found = yield* Effect.promise(() => users.findOne({ email: "ada@example.com" }))
      assert.strictEqual(found?.email, "ada@example.com")
      const duplicate = yield* Effect.tryPromise(() => users.insertOne({ email: "ada@example.com" })).pipe(Effect.flip)
      assert.instanceOf(duplicate.cause, MongoServerError)
      assert.strictEqual((duplicate.cause as MongoServerError).code, 11000)
      const build = yield* Effect.promise(() => client.db("admin").command({ buildInfo: 1 }))
      console.log(
        `FerretDB round trip ok (${String(build["ferretdbVersion"] ?? build["version"])}), duplicate -> 11000`
      )
    }))
})
