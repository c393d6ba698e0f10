/**
 * The raw hasher: `@node-rs/argon2` `verify` of one Argon2id hash, CONCURRENCY calls in flight (the example's hasher
 * runs min(cores, 4) at a time), for SECONDS; prints `{"rate": verifies per second}`. The ceiling of a login: what the
 * hash alone costs at the same parameters and concurrency, with no HTTP, database or token.
 *
 * Environment: PARAMS (`owasp`: m=19456 t=2 p=1, or `fastapi`: m=65536 t=3 p=4), CONCURRENCY, SECONDS.
 */
import { hash, verify } from "@node-rs/argon2"
import { availableParallelism } from "node:os"

const params = process.env.PARAMS === "fastapi"
  ? { memoryCost: 65_536, timeCost: 3, parallelism: 4 }
  : { memoryCost: 19_456, timeCost: 2, parallelism: 1 }
const concurrency = Number(process.env.CONCURRENCY ?? Math.min(availableParallelism(), 4))
const seconds = Number(process.env.SECONDS ?? 5)
const encoded = await hash("bench-password", params)
const deadline = performance.now() + seconds * 1000
let done = 0
const loop = async () => {
  while (performance.now() < deadline) {
    if (!(await verify(encoded, "bench-password"))) throw new Error("verify failed")
    done++
  }
}
const started = performance.now()
await Promise.all(Array.from({ length: concurrency }, loop))
process.stdout.write(`${JSON.stringify({ rate: done / ((performance.now() - started) / 1000) })}\n`)
