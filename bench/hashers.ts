/**
 * The password hashers side by side: throughput and event-loop delay under a storm of concurrent hashes.
 *
 *   npx node bench/hashers.ts [--params=owasp|fastapi] [--storm=16] [--rounds=3]
 *
 * Each round runs one storm per implementation (interleaved, so machine noise hits all rows alike): `storm`
 * hashes started at once through `PasswordHasher.hash`, while `perf_hooks.monitorEventLoopDelay` samples the main
 * thread's event loop. "hash-wasm, main thread" calls hash-wasm directly on the main thread: the bad baseline.
 */
import * as PasswordHasher from "@effect-users/core/PasswordHasher"
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { argon2id } from "hash-wasm"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { parseArgs } from "node:util"

const { values } = parseArgs({
  options: {
    params: { type: "string", default: "owasp" },
    storm: { type: "string", default: "16" },
    rounds: { type: "string", default: "3" }
  }
})
const params = values.params === "fastapi" ? PasswordHasher.fastApiUsers : PasswordHasher.owaspMinimum
const storm = Number(values.storm)
const rounds = Number(values.rounds)

type Hash = (password: string) => Promise<unknown>

interface Row {
  readonly name: string
  readonly hash: Hash
}

const scope = Effect.runSync(Scope.make())
const build = async (layer: Layer.Layer<PasswordHasher.PasswordHasher, unknown>): Promise<Hash> => {
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const hasher = Context.get(context, PasswordHasher.PasswordHasher)
  return (password) => Effect.runPromise(hasher.hash(password))
}

const rows: Array<Row> = [
  { name: "layer (node-rs in niced threads)", hash: await build(PasswordHasher.layer(params)) },
  { name: "layer, niceness 0", hash: await build(PasswordHasher.layer({ ...params, niceness: 0 })) },
  { name: "node-rs on libuv", hash: await build(PasswordHasher.layerNodeRs(params)) },
  { name: "native crypto.argon2", hash: await build(PasswordHasher.layerNative(params)) },
  // All four threads of libuv's pool busy hashing: WebCrypto (jose) and file I/O queue behind the hashes.
  {
    name: "native, maxConcurrency 4",
    hash: await build(PasswordHasher.layerNative({ ...params, maxConcurrency: 4 }))
  },
  {
    name: "effect Kdf + NodeCrypto",
    hash: await build(PasswordHasher.layerKdf(params).pipe(Layer.provide(NodeCrypto.layer)))
  },
  { name: "hash-wasm, threads", hash: await build(PasswordHasher.layerHashWasm(params)) },
  {
    name: "hash-wasm, main thread",
    hash: (password) =>
      argon2id({
        password,
        salt: crypto.getRandomValues(new Uint8Array(16)),
        memorySize: params.memoryCost,
        iterations: params.timeCost,
        parallelism: params.parallelism,
        hashLength: 32,
        outputType: "encoded"
      })
  }
]

// WebCrypto runs on libuv's thread pool too, like the native hashers: its latency shows the pool's congestion.
const hmacKey = await crypto.subtle.importKey(
  "raw",
  new Uint8Array(32),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["sign"]
)
const payload = new TextEncoder().encode("header.payload")

/** Signs with WebCrypto HMAC one call after another until `done`, returning the latencies (ms). */
const webCryptoProbe = async (done: { value: boolean }): Promise<Array<number>> => {
  const latencies: Array<number> = []
  while (!done.value) {
    const start = performance.now()
    await crypto.subtle.sign("HMAC", hmacKey, payload)
    latencies.push(performance.now() - start)
  }
  return latencies
}

interface Sample {
  readonly rate: number
  readonly hmac: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

const run = async (row: Row): Promise<Sample> => {
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  histogram.enable()
  // The sampling timer starts on the next turn of the loop: a block in this very turn would go unrecorded.
  await new Promise((resolve) => setTimeout(resolve, 5))
  const done = { value: false }
  const start = performance.now()
  const probe = webCryptoProbe(done)
  await Promise.all(Array.from({ length: storm }, (_, i) => row.hash(`password ${i}`)))
  const elapsed = performance.now() - start
  done.value = true
  const hmac = Math.max(...(await probe))
  // One more turn of the loop, so a loop blocked for the whole storm still records its (single, long) delay.
  await new Promise((resolve) => setTimeout(resolve, 5))
  histogram.disable()
  const ms = (ns: number) => ns / 1e6
  return {
    rate: (storm / elapsed) * 1000,
    hmac,
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max)
  }
}

console.log(
  `Argon2id m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}; storms of ${storm} hashes, ` +
    `${rounds} rounds (+1 warm-up), Node ${process.versions.node}, maxConcurrency 2 (the default) unless named`
)
for (const row of rows) await row.hash("warm-up")
const samples = new Map<string, Array<Sample>>(rows.map((row) => [row.name, []]))
for (let round = 0; round < rounds; round++) {
  for (const row of rows) samples.get(row.name)?.push(await run(row))
}

const table = rows.map((row) => {
  const list = samples.get(row.name) ?? []
  return {
    implementation: row.name,
    "hashes/s": median(list.map((s) => s.rate)).toFixed(1),
    "loop p50 ms": median(list.map((s) => s.p50)).toFixed(1),
    "loop p99 ms": median(list.map((s) => s.p99)).toFixed(1),
    "loop max ms": Math.max(...list.map((s) => s.max)).toFixed(1),
    "HMAC max ms": median(list.map((s) => s.hmac)).toFixed(2)
  }
})
console.table(table)
console.log(
  "hashes/s, loop p50/p99, HMAC: median over rounds; loop max: worst round. HMAC: the slowest WebCrypto " +
    "HMAC-SHA256 sign (libuv's thread pool) during the storm. Loop p50 includes the idle samples around a storm."
)
await Effect.runPromise(Scope.close(scope, Exit.void))
