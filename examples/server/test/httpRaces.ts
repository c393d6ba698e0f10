/**
 * Races over HTTP against the example server on the shared PostgreSQL and Redis: concurrent registrations of one
 * address in case variants (one 201), concurrent e-mail changes into one address (one 200), concurrent resets with
 * one token (one 200, and only the winner's password works), and concurrent logins and logouts of one user on the
 * database and Redis backends (every logged-out token refused, every other one served). Never a 5xx.
 *
 * `Races.integration.test.ts` runs one round with fewer requests in `npm test`; `npm run test:reliability` runs
 * rounds at full size (test/reliability/Races.reliability.ts).
 */
import { requireUrl } from "@effect-users/testing/TestServices"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import type { RunningServer } from "./blackbox/Servers.ts"
import { startExample } from "./blackbox/Servers.ts"

const SECRET = "http-races-secret-with-32-or-more-bytes!"
const PASSWORD = "race-password"

/** One answer: its status and body text. */
export interface Answer {
  readonly status: number
  readonly text: string
}

/** A request against `base`: JSON or form bodies, an optional bearer token; never throws on a status. */
export const call = async (
  base: string,
  method: string,
  path: string,
  options: { readonly json?: unknown; readonly form?: Record<string, string>; readonly bearer?: string } = {}
): Promise<Answer> => {
  const headers: Record<string, string> = {}
  let body: string | undefined
  if (options.json !== undefined) {
    headers["content-type"] = "application/json"
    body = JSON.stringify(options.json)
  } else if (options.form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded"
    body = new URLSearchParams(options.form).toString()
  }
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body ?? null,
    signal: AbortSignal.timeout(60_000)
  })
  return { status: response.status, text: await response.text() }
}

/** The access token of a login answer. */
export const accessToken = (answer: Answer): string => {
  const body: unknown = JSON.parse(answer.text)
  if (typeof body === "object" && body !== null && "access_token" in body && typeof body.access_token === "string") {
    return body.access_token
  }
  throw new Error(`not a login answer: ${answer.status} ${answer.text}`)
}

/** The address with each letter of the local part upper- or lower-cased by the bits of `n`. */
export const variant = (address: string, n: number): string => {
  const at = address.lastIndexOf("@")
  const local = Array.from(address.slice(0, at)).map((c, i) => ((n >> (i % 12)) & 1) === 1 ? c.toUpperCase() : c)
  return `${local.join("")}${n % 2 === 0 ? address.slice(at) : address.slice(at).toUpperCase()}`
}

const fresh = (prefix: string) => `${prefix}.${randomBytes(5).toString("hex")}@example.com`

const statusesOf = (answers: ReadonlyArray<Answer>) => answers.map((a) => a.status)
const serverErrors = (answers: ReadonlyArray<Answer>) =>
  answers.filter((a) => a.status >= 500).map((a) => `${a.status} ${a.text.slice(0, 200)}`)

/** Polls the test endpoint until the hooks have seen a reset token for `email` (deliveries run after the 202). */
const resetToken = async (base: string, email: string): Promise<string> => {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const reply = await call(base, "GET", `/__test__/tokens?email=${encodeURIComponent(email)}`)
    const body: unknown = JSON.parse(reply.text)
    if (typeof body === "object" && body !== null && "reset" in body && typeof body.reset === "string") {
      return body.reset
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`no reset token for ${email} within 10 s`)
}

/** The suite: `rounds` rounds, `size` concurrent requests per race (registrations: `registrations`). */
export const racesSuite = (options: {
  readonly rounds: number
  readonly registrations: number
  readonly size: number
}) =>
  describe("the example on PostgreSQL and Redis: races over HTTP", () => {
    let server: RunningServer | undefined
    const base = () => {
      if (server === undefined) throw new Error("the server did not start")
      return server.url
    }

    beforeAll(async () => {
      server = await startExample(SECRET, {
        DATABASE_URL: requireUrl("DATABASE_URL"),
        REDIS_URL: requireUrl("REDIS_URL"),
        // the races check who wins, not how fast: 200 registrations at once queue for the two hashing slots (about
        // 10 s on a loaded two-core machine, past the hasher's 5 s admission limit: 503s) and their writes for a pool
        // of 4 connections (past the 1 s storage limit); overload shedding is test/sqlOutage.ts's subject, not this
        PASSWORD_HASH_MAX_WAIT_MS: "120000",
        STORAGE_TIMEOUT_MS: "10000"
      })
    }, 120_000)
    afterAll(async () => {
      await server?.stop()
    })

    const rounds = (run: () => Promise<void>) => async () => {
      for (let round = 0; round < options.rounds; round++) await run()
    }

    it(
      `${options.rounds} round(s) of ${options.registrations} concurrent registrations of one address in case variants: one 201`,
      rounds(async () => {
        const address = fresh("éloïse.race")
        const answers = await Promise.all(
          Array.from(
            { length: options.registrations },
            (_, n) =>
              call(base(), "POST", "/auth/register", { json: { email: variant(address, n), password: PASSWORD } })
          )
        )
        assert.deepStrictEqual(serverErrors(answers), [])
        assert.strictEqual(statusesOf(answers).filter((s) => s === 201).length, 1)
        for (const answer of answers.filter((a) => a.status !== 201)) {
          assert.strictEqual(answer.status, 400, answer.text)
          assert.deepStrictEqual(JSON.parse(answer.text), { detail: "REGISTER_USER_ALREADY_EXISTS" })
        }
        // the one user logs in under any spelling
        const login = await call(base(), "POST", "/auth/jwt/login", {
          form: { username: address.toUpperCase(), password: PASSWORD }
        })
        assert.strictEqual(login.status, 200, login.text)
      }),
      300_000
    )

    it(
      `${options.rounds} round(s) of ${options.size} users changing their e-mail into one address at once: one 200`,
      rounds(async () => {
        const movers = await Promise.all(Array.from({ length: options.size }, async () => {
          const email = fresh("mover")
          assert.strictEqual(
            (await call(base(), "POST", "/auth/register", { json: { email, password: PASSWORD } })).status,
            201
          )
          return accessToken(
            await call(base(), "POST", "/auth/jwt/login", { form: { username: email, password: PASSWORD } })
          )
        }))
        const target = fresh("ölaf.target")
        const answers = await Promise.all(
          movers.map((token, n) =>
            call(base(), "PATCH", "/users/me", { bearer: token, json: { email: variant(target, n) } })
          )
        )
        assert.deepStrictEqual(serverErrors(answers), [])
        assert.strictEqual(statusesOf(answers).filter((s) => s === 200).length, 1)
        for (const answer of answers.filter((a) => a.status !== 200)) {
          assert.strictEqual(answer.status, 400, answer.text)
          assert.deepStrictEqual(JSON.parse(answer.text), { detail: "UPDATE_USER_EMAIL_ALREADY_EXISTS" })
        }
        // exactly one of the movers now answers to the address
        const owners = await Promise.all(movers.map((token) => call(base(), "GET", "/users/me", { bearer: token })))
        const named = owners.filter((o) => o.status === 200 && JSON.parse(o.text).email.toLowerCase() === target)
        assert.strictEqual(named.length, 1)
      }),
      300_000
    )

    it(
      `${options.rounds} round(s) of ${options.size} concurrent resets with one token: one 200, its password works`,
      rounds(async () => {
        const email = fresh("resetter")
        assert.strictEqual(
          (await call(base(), "POST", "/auth/register", { json: { email, password: PASSWORD } })).status,
          201
        )
        assert.strictEqual((await call(base(), "POST", "/auth/forgot-password", { json: { email } })).status, 202)
        const token = await resetToken(base(), email)
        const passwords = Array.from({ length: options.size }, (_, n) => `new-password-${n}`)
        const answers = await Promise.all(
          passwords.map((password) => call(base(), "POST", "/auth/reset-password", { json: { token, password } }))
        )
        assert.deepStrictEqual(serverErrors(answers), [])
        const winners = answers.flatMap((a, n) => a.status === 200 ? [n] : [])
        assert.strictEqual(winners.length, 1)
        for (const answer of answers.filter((a) => a.status !== 200)) {
          assert.strictEqual(answer.status, 400, answer.text)
          assert.deepStrictEqual(JSON.parse(answer.text), { detail: "RESET_PASSWORD_BAD_TOKEN" })
        }
        // the winner's password logs in; the old one and a loser's do not
        const login = (password: string) =>
          call(base(), "POST", "/auth/jwt/login", { form: { username: email, password } })
        const winner = passwords[winners[0] ?? -1] ?? ""
        assert.strictEqual((await login(winner)).status, 200)
        assert.strictEqual((await login(PASSWORD)).status, 400)
        const loser = passwords.find((p) => p !== winner) ?? ""
        assert.strictEqual((await login(loser)).status, 400)
      }),
      300_000
    )

    for (const backend of ["db", "redis"] as const) {
      it(
        `${options.rounds} round(s) of ${options.size} concurrent logins, then logouts and uses interleaved, on /auth/${backend}`,
        rounds(async () => {
          const email = fresh(`session.${backend}`)
          assert.strictEqual(
            (await call(base(), "POST", "/auth/register", { json: { email, password: PASSWORD } })).status,
            201
          )
          const logins = await Promise.all(
            Array.from(
              { length: options.size },
              () => call(base(), "POST", `/auth/${backend}/login`, { form: { username: email, password: PASSWORD } })
            )
          )
          assert.deepStrictEqual(serverErrors(logins), [])
          const tokens = logins.map(accessToken)
          assert.strictEqual(new Set(tokens).size, tokens.length, "every login has its own token")
          // half the tokens log out while the other half (and the leaving ones) are used, all at once
          const leaving = tokens.filter((_, n) => n % 2 === 0)
          const staying = tokens.filter((_, n) => n % 2 === 1)
          const mixed = await Promise.all([
            ...leaving.map((token) => call(base(), "POST", `/auth/${backend}/logout`, { bearer: token })),
            ...tokens.map((token) => call(base(), "GET", "/users/me", { bearer: token }))
          ])
          assert.deepStrictEqual(serverErrors(mixed), [])
          assert.deepStrictEqual(mixed.slice(0, leaving.length).map((a) => a.status), leaving.map(() => 204))
          // a use racing its own logout may go either way; after the logouts the state is exact
          for (const answer of mixed.slice(leaving.length)) assert.include([200, 401], answer.status)
          const after = await Promise.all(tokens.map((token) => call(base(), "GET", "/users/me", { bearer: token })))
          assert.deepStrictEqual(
            after.map((a) => a.status),
            tokens.map((_, n) => n % 2 === 0 ? 401 : 200)
          )
          // a second logout of a logged-out token is refused; the staying tokens log out once each
          const again = await Promise.all(
            [...leaving, ...staying].map((token) => call(base(), "POST", `/auth/${backend}/logout`, { bearer: token }))
          )
          assert.deepStrictEqual(
            again.map((a) => a.status),
            [...leaving.map(() => 401), ...staying.map(() => 204)]
          )
        }),
        300_000
      )
    }
  })
