/**
 * The example server on a private PostgreSQL and a private Redis under a steady load — registrations, logins on the
 * database and Redis backends, `GET /users/me` with a JWT and with a Redis token — while each is frozen (SIGSTOP) and
 * stopped in turn:
 *
 * - every request the fault affects answers 503 within 1 s (each request's time is measured and bounded), never a 500
 *   and never a hang; the server runs with `STORAGE_TIMEOUT_MS=300` so that two storage calls and a hash fit the
 *   second on a loaded two-core machine;
 * - the routes the fault does not touch keep working: with Redis down, registrations and a JWT `GET /users/me`;
 * - once the fault ends the same process serves again, and every registration answered 201 is there at the end;
 * - started while PostgreSQL is down, the server listens and answers 503, then serves once PostgreSQL is up.
 *
 * `npm run test:reliability` repeats the faults (test/reliability/SqlOutage.reliability.ts).
 */
import type { PrivatePostgres, PrivateService } from "@effect-users/testing/PrivateServices"
import { startPrivatePostgres, startPrivateRedis } from "@effect-users/testing/PrivateServices"
import { freePort } from "@effect-users/testing/TestServices"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import type { RunningServer } from "./blackbox/Servers.ts"
import { startExample } from "./blackbox/Servers.ts"
import { accessToken, call } from "./httpRaces.ts"

const SECRET = "sql-outage-secret-with-32-or-more-bytes!"
const PASSWORD = "outage-password"
/** The bound every affected request must answer within. */
export const BOUND_MS = 1_000
/**
 * The server's time limit per storage call. A login makes two (the lookup, then the token's write) around a hash, so
 * the limit is well under half the bound: on a loaded two-core machine 600 ms let a login that began as the database
 * froze take 1.1–1.5 s.
 */
const STORAGE_TIMEOUT_MS = 300

type What = "register" | "login-db" | "login-redis" | "me-jwt" | "me-redis"

interface Sample {
  readonly what: What
  readonly status: number
  readonly ms: number
  readonly at: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Fault {
  readonly name: string
  /** The requests it may refuse with 503; every other kind must keep succeeding. */
  readonly affects: ReadonlySet<What>
  readonly begin: () => void | Promise<void>
  readonly end: () => void | Promise<void>
}

const success: Record<What, number> = {
  register: 201,
  "login-db": 200,
  "login-redis": 200,
  "me-jwt": 200,
  "me-redis": 200
}

/** The suite, with `cycles` rounds of the four faults. */
export const sqlOutageSuite = (cycles: number) =>
  describe("the example on a private PostgreSQL and Redis: outages", () => {
    let pg: PrivatePostgres | undefined
    let redis: PrivateService | undefined
    let server: RunningServer | undefined

    beforeAll(async () => {
      pg = await startPrivatePostgres(await freePort())
      redis = await startPrivateRedis(await freePort())
      server = await startExample(SECRET, {
        DATABASE_URL: pg.url,
        REDIS_URL: redis.url,
        STORAGE_TIMEOUT_MS: String(STORAGE_TIMEOUT_MS),
        // the hash threads at the process's own priority: niced, they wait behind every other process of the machine
        PASSWORD_HASH_NICENESS: "0"
      })
    }, 120_000)

    afterAll(async () => {
      await server?.stop()
      await redis?.destroy()
      await pg?.destroy()
    })

    it(`${cycles} cycle(s) of PostgreSQL frozen and stopped, Redis frozen and killed, under load`, async () => {
      if (server === undefined || pg === undefined || redis === undefined) throw new Error("the servers did not start")
      const base = server.url
      const samples: Array<Sample> = []
      const registered: Array<string> = []
      const timed = async (what: What, run: () => Promise<{ status: number; text: string }>) => {
        const at = Date.now()
        try {
          const answer = await run()
          samples.push({ what, status: answer.status, ms: Date.now() - at, at })
          return answer
        } catch {
          // no answer within the client's limit: a hang
          samples.push({ what, status: 0, ms: Date.now() - at, at })
          return undefined
        }
      }
      const fetchTimed = (method: string, path: string, options: Parameters<typeof call>[3]) =>
        call(base, method, path, options)

      // a user whose JWT and Redis token the workers reuse
      const steady = `steady.${randomBytes(4).toString("hex")}@example.com`
      assert.strictEqual(
        (await call(base, "POST", "/auth/register", { json: { email: steady, password: PASSWORD } })).status,
        201
      )
      registered.push(steady)
      const jwt = accessToken(
        await call(base, "POST", "/auth/jwt/login", { form: { username: steady, password: PASSWORD } })
      )
      let redisToken = accessToken(
        await call(base, "POST", "/auth/redis/login", { form: { username: steady, password: PASSWORD } })
      )

      let running = true
      const registrar = async (n: number) => {
        while (running) {
          const email = `w${n}.${randomBytes(5).toString("hex")}@example.com`
          const reply = await timed(
            "register",
            () => fetchTimed("POST", "/auth/register", { json: { email, password: PASSWORD } })
          )
          if (reply?.status === 201) registered.push(email)
          const known = registered[Math.floor(Math.random() * registered.length)] ?? steady
          await timed(
            "login-db",
            () => fetchTimed("POST", "/auth/db/login", { form: { username: known, password: PASSWORD } })
          )
          await timed(
            "login-redis",
            () => fetchTimed("POST", "/auth/redis/login", { form: { username: known, password: PASSWORD } })
          )
        }
      }
      const reader = async () => {
        while (running) {
          await timed("me-jwt", () => fetchTimed("GET", "/users/me", { bearer: jwt }))
          const me = await timed("me-redis", () => fetchTimed("GET", "/users/me", { bearer: redisToken }))
          // a killed Redis restarts empty (no persistence): the session is gone, open another
          if (me?.status === 401) {
            const login = await timed(
              "login-redis",
              () => fetchTimed("POST", "/auth/redis/login", { form: { username: steady, password: PASSWORD } })
            )
            if (login?.status === 200) redisToken = accessToken(login)
          }
          await sleep(20)
        }
      }
      const workers = [registrar(0), registrar(1), reader()]

      /** Waits until every kind of request has succeeded again after `since`. */
      const recovered = async (since: number, name: string) => {
        const deadline = Date.now() + 20_000
        while (Date.now() < deadline) {
          const kinds = Object.keys(success) as Array<What>
          if (
            kinds.every((what) => samples.some((s) => s.at >= since && s.what === what && s.status === success[what]))
          ) {
            return Date.now() - since
          }
          await sleep(100)
        }
        throw new Error(`no recovery within 20 s after ${name}`)
      }
      const all: ReadonlySet<What> = new Set(Object.keys(success) as Array<What>)
      const redisOnly: ReadonlySet<What> = new Set<What>(["login-redis", "me-redis"])
      const faults: ReadonlyArray<Fault> = [
        { name: "PostgreSQL frozen", affects: all, begin: () => pg?.freeze(true), end: () => pg?.freeze(false) },
        { name: "PostgreSQL stopped", affects: all, begin: () => pg?.stop(), end: () => pg?.start() },
        { name: "Redis frozen", affects: redisOnly, begin: () => redis?.freeze(true), end: () => redis?.freeze(false) },
        { name: "Redis killed", affects: redisOnly, begin: () => redis?.stop(), end: () => redis?.start() }
      ]
      const phases: Array<{ fault: Fault; from: number; to: number; recoveredMs: number }> = []

      await sleep(1_500)
      for (let cycle = 0; cycle < cycles; cycle++) {
        for (const fault of faults) {
          const from = Date.now()
          await fault.begin()
          await sleep(3_000)
          const to = Date.now()
          await fault.end()
          phases.push({ fault, from, to, recoveredMs: await recovered(Date.now(), fault.name) })
        }
      }
      await sleep(500)
      running = false
      await Promise.all(workers)

      const report = phases.map(({ fault, from, to, recoveredMs }) => {
        // every request started while the fault held (past its first 100 ms, when it is in place)
        const during = samples.filter((s) => s.at >= from + 100 && s.at <= to)
        const affected = during.filter((s) => fault.affects.has(s.what))
        return {
          name: fault.name,
          recoveredMs,
          requests: during.length,
          unavailable: affected.filter((s) => s.status === 503).length,
          slowestAffectedMs: Math.max(0, ...affected.map((s) => s.ms)),
          tooSlow: affected.filter((s) => s.ms > BOUND_MS).map((s) => `${s.what} ${s.status} ${s.ms}ms`),
          // an affected request either succeeded (it began before the fault bit) or answered 503
          wrongAffected: affected.filter((s) => s.status !== 503 && s.status !== success[s.what])
            .map((s) => `${s.what} ${s.status} at +${s.at - from}ms took ${s.ms}ms`),
          // an unaffected request must succeed
          unaffected: during.filter((s) => !fault.affects.has(s.what)).length,
          wrongUnaffected: during.filter((s) => !fault.affects.has(s.what) && s.status !== success[s.what])
            .map((s) => `${s.what} ${s.status} ${s.ms}ms`)
        }
      })
      console.log(
        JSON.stringify(report.map(({ tooSlow: _t, wrongAffected: _w, wrongUnaffected: _u, ...rest }) => rest))
      )
      // never a 500 and never a hang, in any phase
      const wrong = samples.filter((s) => s.status === 0 || (s.status >= 500 && s.status !== 503))
      assert.deepStrictEqual(wrong.map((s) => `${s.what} ${s.status} ${s.ms}ms`), [])
      for (const phase of report) {
        assert.isAbove(phase.unavailable, 0, `${phase.name}: the fault was felt`)
        assert.deepStrictEqual(phase.tooSlow, [], `${phase.name}: every affected request within ${BOUND_MS} ms`)
        assert.deepStrictEqual(phase.wrongAffected, [], phase.name)
        assert.deepStrictEqual(phase.wrongUnaffected, [], `${phase.name}: the unaffected routes kept working`)
        if (phase.name.startsWith("Redis")) assert.isAbove(phase.unaffected, 0, phase.name)
      }
      // every registration answered 201 is there: its user logs in through the same, never restarted, process
      assert.isAbove(registered.length, 3)
      for (const email of registered) {
        const reply = await call(base, "POST", "/auth/jwt/login", { form: { username: email, password: PASSWORD } })
        assert.strictEqual(reply.status, 200, email)
      }
    }, 120_000 * cycles)
  })

/** Start-up with PostgreSQL down: the server listens, answers 503 within the bound, and serves once it is up. */
export const startWithDatabaseDownSuite = () =>
  describe("the example started while its PostgreSQL is down", () => {
    let pg: PrivatePostgres | undefined
    let server: RunningServer | undefined
    afterAll(async () => {
      await server?.stop()
      await pg?.destroy()
    })

    it("listens, answers 503 within a second, then serves once PostgreSQL is up, without a restart", async () => {
      pg = await startPrivatePostgres(await freePort(), { started: false })
      server = await startExample(SECRET, { DATABASE_URL: pg.url, STORAGE_TIMEOUT_MS: String(STORAGE_TIMEOUT_MS) })
      const email = `early.${randomBytes(4).toString("hex")}@example.com`
      for (let i = 0; i < 3; i++) {
        const at = Date.now()
        const reply = await call(server.url, "POST", "/auth/register", { json: { email, password: PASSWORD } })
        assert.strictEqual(reply.status, 503, reply.text)
        assert.isAtMost(Date.now() - at, BOUND_MS)
      }
      await pg.start()
      // the migrations retry in the background (every 2 s): the first registration succeeds within seconds
      const deadline = Date.now() + 20_000
      let status = 0
      while (Date.now() < deadline) {
        status = (await call(server.url, "POST", "/auth/register", { json: { email, password: PASSWORD } })).status
        if (status === 201) break
        assert.strictEqual(status, 503)
        await sleep(200)
      }
      assert.strictEqual(status, 201)
      const login = await call(server.url, "POST", "/auth/jwt/login", { form: { username: email, password: PASSWORD } })
      assert.strictEqual(login.status, 200)
    }, 120_000)
  })
