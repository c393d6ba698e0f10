/**
 * `npm run test:reliability`: 200 concurrent registrations of one address in case variants over HTTP, on the example
 * running on MongoDB (the test services' FerretDB, a fresh database): exactly one 201, the others FastAPI Users' 400,
 * never a 5xx. It needs a machine with headroom: each database call has 1 s, and 200 lookups at once queue in
 * FerretDB (a handful of PostgreSQL connections) — on two cores at a load average above 8 some calls overrun their
 * second and answer 503.
 */
import { requireUrl } from "@effect-users/testing/TestServices"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { MongoClient } from "mongodb"
import { randomBytes } from "node:crypto"
import type { RunningServer } from "../blackbox/Servers.ts"
import { startExample } from "../blackbox/Servers.ts"

const CONCURRENT = 200
const database = `eu_registrations_${process.pid}_${randomBytes(4).toString("hex")}`
let server: RunningServer | undefined

beforeAll(async () => {
  server = await startExample("registrations-secret-with-32-or-more-bytes", {
    MONGODB_URL: requireUrl("MONGODB_URL"),
    MONGODB_DATABASE: database
  })
}, 120_000)

afterAll(async () => {
  await server?.stop()
  const client = await new MongoClient(requireUrl("MONGODB_URL")).connect()
  await client.db(database).dropDatabase().finally(() => client.close())
})

/** The address with each letter upper- or lower-cased by the bits of `n`. */
const variant = (address: string, n: number): string =>
  [...address].map((c, i) => ((n >> (i % 16)) & 1) === 1 ? c.toUpperCase() : c.toLowerCase()).join("")

describe("the example on MongoDB: concurrent registrations", () => {
  it(`${CONCURRENT} registrations of one address in case variants at once: one 201, no 5xx`, async () => {
    if (server === undefined) throw new Error("the server did not start")
    const address = `race.${randomBytes(4).toString("hex")}@example.com`
    const replies = await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, n) => {
        const response = await fetch(`${server?.url}/auth/register`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: variant(address, n), password: "race-password" })
        })
        return { status: response.status, body: await response.text() }
      })
    )
    const statuses = replies.map((r) => r.status)
    assert.strictEqual(statuses.filter((s) => s === 201).length, 1)
    assert.deepStrictEqual(statuses.filter((s) => s >= 500), [])
    const refused = replies.filter((r) => r.status === 400)
    assert.strictEqual(refused.length, CONCURRENT - 1)
    for (const reply of refused) {
      assert.deepStrictEqual(JSON.parse(reply.body), { detail: "REGISTER_USER_ALREADY_EXISTS" })
    }
    const client = await new MongoClient(requireUrl("MONGODB_URL")).connect()
    try {
      const stored = await client.db(database).collection("User").countDocuments({ email_lower: address })
      assert.strictEqual(stored, 1)
    } finally {
      await client.close()
    }
  }, 120_000)
})
