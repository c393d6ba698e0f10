/**
 * HS256 verification throughput, side by side in one run (`npx node bench/jwt.ts` from packages/strategy-jwt):
 * - JwtStrategy's node:crypto path, through its codec: 100 verifications per `Effect.runSync` (as inside a
 *   request's fiber), and one `Effect.runSync` per verification (a fiber per call);
 * - jose `jwtVerify` with the key imported once (a CryptoKey), sequential and 64 in flight;
 * - jose `jwtVerify` with a `Uint8Array` key (imported again on every call), sequential and 64 in flight.
 * The asymmetric paths (jose, keys imported once) are printed for reference. Rounds are interleaved and the median
 * of the rounds is shown. The machine is shared and noisy: compare the ratios of one run, not absolutes.
 */
import * as JwtKeySet from "@effect-users/strategy-jwt/JwtKeySet"
import * as JwtStrategy from "@effect-users/strategy-jwt/JwtStrategy"
import { Effect, Option, Redacted } from "effect"
import { jwtVerify } from "jose"
import { webcrypto } from "node:crypto"

const SECRET = "a-benchmark-secret-of-reasonable-length-0123456789"
const SUB = "0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11"
const ROUND_MS = Number(process.env.ROUND_MS ?? 1000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const audience = ["fastapi-users:auth"]

// Effect's default clock is the real one, so jose (real time) and the codec agree on exp
const codec = Effect.runSync(JwtStrategy.makeCodec({ secret: Redacted.make(SECRET), lifetime: "1 hour" }))
const token = Effect.runSync(codec.sign(SUB))
const verifyOnce = Effect.flatMap(
  codec.verify(token),
  (sub) => Option.isSome(sub) ? Effect.void : Effect.die(new Error("the token did not verify"))
)
const hundred = Effect.forEach(Array.from({ length: 100 }), () => verifyOnce, { discard: true })
const bytes = new TextEncoder().encode(SECRET)
const cryptoKey = await webcrypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["verify"])
const joseOptions = { algorithms: ["HS256"], audience }

const asymmetric = await Promise.all(
  (["RS256", "ES256", "EdDSA"] as const).map((algorithm) =>
    Effect.runPromise(Effect.gen(function*() {
      const { privateKey } = yield* JwtKeySet.generatePem(algorithm)
      const keys = yield* JwtKeySet.make({ algorithm, signing: { privateKey } })
      const c = yield* JwtStrategy.makeCodec({ keys, lifetime: "1 hour" })
      const t = yield* Effect.orDie(c.sign(SUB))
      if (Option.isNone(yield* c.verify(t))) return yield* Effect.die(new Error(`${algorithm}: did not verify`))
      return { algorithm, verify: () => Effect.runPromise(c.verify(t)) }
    }))
  )
)

interface Case {
  readonly name: string
  readonly run: () => Promise<number>
}

const syncCase = (name: string, hundredVerifications: () => void): Case => ({
  name,
  run: () => {
    let n = 0
    const end = performance.now() + ROUND_MS
    while (performance.now() < end) {
      hundredVerifications()
      n += 100
    }
    return Promise.resolve(n / (ROUND_MS / 1000))
  }
})

const asyncCase = (name: string, verify: () => Promise<unknown>, inFlight: number): Case => ({
  name,
  run: async () => {
    await verify()
    let n = 0
    const end = performance.now() + ROUND_MS
    while (performance.now() < end) {
      await Promise.all(Array.from({ length: inFlight }, verify))
      n += inFlight
    }
    return n / (ROUND_MS / 1000)
  }
})

const cases: ReadonlyArray<Case> = [
  syncCase("HS256 node:crypto, JwtStrategy codec, 100 per runSync", () => Effect.runSync(hundred)),
  syncCase("HS256 node:crypto, JwtStrategy codec, one runSync each", () => {
    for (let i = 0; i < 100; i++) Effect.runSync(verifyOnce)
  }),
  asyncCase(
    "HS256 jose jwtVerify, CryptoKey imported once, sequential",
    () => jwtVerify(token, cryptoKey, joseOptions),
    1
  ),
  asyncCase(
    "HS256 jose jwtVerify, CryptoKey imported once, 64 in flight",
    () => jwtVerify(token, cryptoKey, joseOptions),
    64
  ),
  asyncCase("HS256 jose jwtVerify, Uint8Array key, sequential", () => jwtVerify(token, bytes, joseOptions), 1),
  asyncCase("HS256 jose jwtVerify, Uint8Array key, 64 in flight", () => jwtVerify(token, bytes, joseOptions), 64),
  ...asymmetric.map((a) =>
    asyncCase(`${a.algorithm} jose, JwtStrategy codec (key imported once), 64 in flight`, a.verify, 64)
  )
]

const results = new Map<string, Array<number>>(cases.map((c) => [c.name, []]))
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) results.get(c.name)?.push(await c.run())
}
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const baseline = median(results.get(cases[0]?.name ?? "") ?? [])
const width = Math.max(...cases.map((c) => c.name.length))
process.stdout.write(
  `Node ${process.version}, ${ROUNDS} interleaved rounds of ${ROUND_MS} ms, median verifications/s\n`
)
for (const c of cases) {
  const ops = median(results.get(c.name) ?? [])
  const rate = Math.round(ops).toString().padStart(9)
  process.stdout.write(
    `${c.name.padEnd(width)}  ${rate}/s  ${(ops / baseline).toFixed(2).padStart(5)}×  ${
      (1e6 / ops).toFixed(1).padStart(6)
    } µs\n`
  )
}
