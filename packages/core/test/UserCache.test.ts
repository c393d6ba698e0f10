import * as User from "@effect-users/core/User"
import * as UserCache from "@effect-users/core/UserCache"
import * as UserChanges from "@effect-users/core/UserChanges"
import * as UserRepository from "@effect-users/core/UserRepository"
import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Fiber, Layer, Option, Stream } from "effect"

const model = User.layerModel(User.defaultModel)

const insert = (email: string): User.UserInsert => ({
  email,
  hashed_password: "x",
  is_active: true,
  is_superuser: false,
  is_verified: false
})

/** A repository that counts the lookups reaching it and can hold one lookup until released. */
const counting = (inner: UserRepository.UserRepository["Service"]) => {
  let lookups = 0
  let gate: Deferred.Deferred<void> | undefined
  const repository = UserRepository.UserRepository.of({
    ...inner,
    get: (id) =>
      Effect.suspend(() => {
        lookups++
        const held = gate
        // the read happens first, then the answer is held: a lookup that read before a change
        return held === undefined ? inner.get(id) : Effect.tap(inner.get(id), () => Deferred.await(held))
      })
  })
  return {
    repository,
    lookups: () => lookups,
    hold: (deferred: Deferred.Deferred<void> | undefined) => (gate = deferred)
  }
}

/** One "instance": a cache over the shared repository, listening to the shared feed. */
const instance = (
  inner: UserRepository.UserRepository["Service"],
  feed: UserChanges.UserChanges["Service"],
  options?: UserCache.Options
) =>
  Effect.gen(function*() {
    const counted = counting(inner)
    const context = yield* Layer.build(
      UserCache.layer(options).pipe(
        Layer.provide(Layer.succeed(UserRepository.UserRepository, counted.repository)),
        Layer.provide(Layer.succeed(UserChanges.UserChanges, feed)),
        Layer.provide(model)
      )
    )
    const cached = Context.get(context, UserRepository.UserRepository)
    // the listener has subscribed once a lookup is answered from memory
    yield* Effect.yieldNow
    return { ...counted, cached }
  })

const shared = Effect.gen(function*() {
  const inner = yield* UserRepository.UserRepository
  const feed = yield* UserChanges.makeMemory
  return { inner, feed }
}).pipe(Effect.provide(UserRepository.layerMemory.pipe(Layer.provide(model))))

describe("UserCache", () => {
  it.effect("answers repeated lookups of a user from memory, never an absent user", () =>
    Effect.gen(function*() {
      const { feed, inner } = yield* shared
      const a = yield* instance(inner, feed)
      const user = yield* inner.create(insert("lancelot@camelot.bt"))
      for (let i = 0; i < 5; i++) assert.strictEqual(Option.getOrThrow(yield* a.cached.get(user.id)).email, user.email)
      assert.strictEqual(a.lookups(), 1)
      const missing = "0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11"
      yield* a.cached.get(missing)
      yield* a.cached.get(missing)
      assert.strictEqual(a.lookups(), 3)
    }).pipe(Effect.scoped))

  it.effect("a write through it is visible to the next lookup of the same instance at once, and published", () =>
    Effect.gen(function*() {
      const { inner } = yield* shared
      // a feed that delivers nothing back: the instance must drop its own entry itself
      const published: Array<string> = []
      const deaf = UserChanges.UserChanges.of({
        publish: (id) => Effect.sync(() => void published.push(id)),
        subscribe: Stream.concat(Stream.succeed<UserChanges.UserChange>({ _tag: "Subscribed" }), Stream.never)
      })
      const a = yield* instance(inner, deaf)
      const user = yield* inner.create(insert("gawain@camelot.bt"))
      yield* a.cached.get(user.id)
      const updated = yield* a.cached.update(user, { is_active: false })
      assert.isFalse(Option.getOrThrow(yield* a.cached.get(user.id)).is_active)
      yield* a.cached.replaceHashedPassword(updated, "x", "y")
      assert.strictEqual(Option.getOrThrow(yield* a.cached.get(user.id)).hashed_password, "y")
      yield* a.cached.delete(updated)
      assert.isTrue(Option.isNone(yield* a.cached.get(user.id)))
      assert.deepStrictEqual(published, [user.id, user.id, user.id])
    }).pipe(Effect.scoped))

  it.effect("a write on one instance reaches the cache of another through the feed", () =>
    Effect.gen(function*() {
      const { feed, inner } = yield* shared
      const a = yield* instance(inner, feed)
      const b = yield* instance(inner, feed)
      const user = yield* inner.create(insert("percival@camelot.bt"))
      assert.isTrue(Option.getOrThrow(yield* b.cached.get(user.id)).is_active)
      yield* a.cached.update(user, { is_active: false })
      // the change is delivered asynchronously: once it has been, b never serves the old user again
      yield* Effect.yieldNow
      yield* Effect.yieldNow
      assert.isFalse(Option.getOrThrow(yield* b.cached.get(user.id)).is_active)
      assert.strictEqual(b.lookups(), 2)
    }).pipe(Effect.scoped))

  it.effect("a lookup that read the user before a change does not leave the old user in the cache", () =>
    Effect.gen(function*() {
      const { feed, inner } = yield* shared
      const a = yield* instance(inner, feed)
      const b = yield* instance(inner, feed)
      const user = yield* inner.create(insert("galahad@camelot.bt"))
      const gate = yield* Deferred.make<void>()
      b.hold(gate)
      const early = yield* Effect.forkChild(b.cached.get(user.id))
      yield* Effect.yieldNow
      b.hold(undefined)
      yield* a.cached.update(user, { is_verified: true })
      yield* Effect.yieldNow
      yield* Effect.yieldNow
      yield* Deferred.succeed(gate, undefined)
      // the request that started before the change may see the old user...
      assert.isFalse(Option.getOrThrow(yield* Fiber.join(early)).is_verified)
      // ...but no later one does
      assert.isTrue(Option.getOrThrow(yield* b.cached.get(user.id)).is_verified)
    }).pipe(Effect.scoped))

  it.effect("reads through while its feed is not listening, and empties itself when it listens again", () =>
    Effect.gen(function*() {
      const { inner } = yield* shared
      // a feed that never subscribes: every lookup reaches the repository
      const silent = UserChanges.UserChanges.of({ publish: () => Effect.void, subscribe: Stream.never })
      const a = yield* instance(inner, silent)
      const user = yield* inner.create(insert("bors@camelot.bt"))
      yield* a.cached.get(user.id)
      yield* a.cached.get(user.id)
      assert.strictEqual(a.lookups(), 2)
      // a feed that subscribes, then fails: served from memory only between the two
      const failing = UserChanges.UserChanges.of({
        publish: () => Effect.void,
        subscribe: Stream.concat(
          Stream.succeed<UserChanges.UserChange>({ _tag: "Subscribed" }),
          Stream.fail(new UserChanges.UserChangesError({ operation: "listen", cause: "connection lost" }))
        )
      })
      const b = yield* instance(inner, failing)
      yield* b.cached.get(user.id)
      yield* b.cached.get(user.id)
      assert.strictEqual(b.lookups(), 2)
    }).pipe(Effect.scoped))
})
