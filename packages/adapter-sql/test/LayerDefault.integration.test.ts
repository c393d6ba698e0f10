import { EmbeddedPostgres } from "@effect-users/adapter-sql"
import { requireUrl } from "@effect-users/testing/TestServices"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"

const serverVersion = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ version: string }>`SELECT version() AS version`
  return row?.version ?? ""
})

const withEnv = (env: Record<string, string>) =>
  Effect.provide(
    EmbeddedPostgres.layerDefault.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))
  )

describe("EmbeddedPostgres.layerDefault", () => {
  it.live("uses PostgreSQL at DATABASE_URL when it is set", () =>
    Effect.gen(function*() {
      const embedded = yield* serverVersion.pipe(withEnv({}))
      const real = yield* serverVersion.pipe(withEnv({ DATABASE_URL: requireUrl("DATABASE_URL") }))
      assert.match(embedded, /emscripten|wasm|emcc/i)
      assert.notMatch(real, /emscripten|wasm|emcc/i)
      assert.notStrictEqual(real, embedded)
    }), 60_000)
})
