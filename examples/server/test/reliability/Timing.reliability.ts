/**
 * `npm run test:reliability`: over HTTP, the example server's answer time must not tell whether an address has an
 * account, even with a mail provider that takes 100 ms (`MAILER_DELAY_MS=100`):
 *
 * - `POST /auth/jwt/login` with an unknown e-mail against a known e-mail with a wrong password;
 * - `POST /auth/forgot-password` and `POST /auth/request-verify-token` for a known against an unknown address.
 *
 * The two kinds of attempt are interleaved, one at a time, `ATTEMPTS` times each, and the ratio of their median times
 * must stay within 0.9–1.1. On a noisy machine the measurement is retried (up to 3 times), never the threshold.
 */
import { requireUrl } from "@effect-users/testing/TestServices"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import type { RunningServer } from "../blackbox/Servers.ts"
import { startExample } from "../blackbox/Servers.ts"
import { call } from "../httpRaces.ts"

const ATTEMPTS = Number(process.env.RELIABILITY_TIMING_ATTEMPTS ?? 300)
const MEASUREMENTS = 3
const PASSWORD = "timing-password"
let server: RunningServer | undefined

beforeAll(async () => {
  server = await startExample("http-timing-secret-with-32-or-more-bytes", {
    DATABASE_URL: requireUrl("DATABASE_URL"),
    MAILER_DELAY_MS: "100"
  })
}, 120_000)

afterAll(async () => {
  await server?.stop()
})

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/** Interleaves `a` and `b` (each answering `status`), `ATTEMPTS` times each; returns the ratio of the medians. */
const measure = async (
  a: () => Promise<{ status: number }>,
  b: () => Promise<{ status: number }>,
  status: number
): Promise<{ ratio: number; a: number; b: number }> => {
  const times: { a: Array<number>; b: Array<number> } = { a: [], b: [] }
  const once = async (which: "a" | "b", run: () => Promise<{ status: number }>) => {
    const started = performance.now()
    const reply = await run()
    times[which].push(performance.now() - started)
    assert.strictEqual(reply.status, status)
  }
  // a few of each first, so that neither side pays for warming up
  for (let i = 0; i < 10; i++) {
    await a()
    await b()
  }
  for (let i = 0; i < ATTEMPTS; i++) {
    // alternate which goes first, so that neither always follows the other
    if (i % 2 === 0) {
      await once("a", a)
      await once("b", b)
    } else {
      await once("b", b)
      await once("a", a)
    }
  }
  const ma = median(times.a)
  const mb = median(times.b)
  return { ratio: ma / mb, a: ma, b: mb }
}

const within = async (
  name: string,
  a: () => Promise<{ status: number }>,
  b: () => Promise<{ status: number }>,
  status: number
) => {
  const seen: Array<string> = []
  for (let n = 0; n < MEASUREMENTS; n++) {
    const { ratio, a: ma, b: mb } = await measure(a, b, status)
    seen.push(`${ratio.toFixed(3)} (${ma.toFixed(2)} ms / ${mb.toFixed(2)} ms)`)
    if (ratio >= 0.9 && ratio <= 1.1) {
      console.log(`${name}: ratio of medians ${seen.join(", then ")}`)
      return
    }
  }
  assert.fail(
    `${name}: the ratio of medians stayed outside 0.9–1.1 in ${MEASUREMENTS} measurements: ${seen.join(", ")}`
  )
}

const url = () => {
  if (server === undefined) throw new Error("the server did not start")
  return server.url
}

describe("the example over HTTP with a 100 ms mailer: answer times do not tell whether an address exists", () => {
  let known = ""
  beforeAll(async () => {
    known = `known.${randomBytes(4).toString("hex")}@example.com`
    assert.strictEqual(
      (await call(url(), "POST", "/auth/register", { json: { email: known, password: PASSWORD } })).status,
      201
    )
  })
  const unknown = () => `nobody.${randomBytes(6).toString("hex")}@example.com`

  it(`login: an unknown e-mail against a wrong password, ${ATTEMPTS} interleaved attempts each`, async () => {
    await within(
      "login",
      () => call(url(), "POST", "/auth/jwt/login", { form: { username: unknown(), password: "wrong-password" } }),
      () => call(url(), "POST", "/auth/jwt/login", { form: { username: known, password: "wrong-password" } }),
      400
    )
  }, 600_000)

  for (const path of ["/auth/forgot-password", "/auth/request-verify-token"]) {
    it(`${path}: a known against an unknown address, ${ATTEMPTS} interleaved attempts each`, async () => {
      await within(
        path,
        () => call(url(), "POST", path, { json: { email: known } }),
        () => call(url(), "POST", path, { json: { email: unknown() } }),
        202
      )
    }, 600_000)
  }
})
