/**
 * P4: 1k against 1M users. Two databases bulk-loaded once (kept between runs): the example's tables (its own
 * migration), then `generate_series` rows with one precomputed Argon2id hash, `ANALYZE`d. `GET /users/me` at 1 and 32
 * connections and the login (2 connections) of a user in the middle of the table, on each. No target: the ratios
 * show whether the table's size costs anything (primary-key and unique-e-mail index lookups).
 */
import pg from "pg"
import { quick } from "../lib/config.ts"
import { type Entry, interleaved } from "../lib/measure.ts"
import { log } from "../lib/proc.ts"
import type { Section } from "../lib/report.ts"
import { loads, table } from "../lib/report.ts"
import * as Servers from "../lib/servers.ts"
import { fmt, median, perRound, ratios } from "../lib/stats.ts"

export const id = "P4"
export const title = "1k users against 1M users"

const password = "bench-password"

/** A database of `count` users (`bulk-<i>@bulk.bt`, all with one password), loaded unless it already holds them. */
const populated = async (count: number) => {
  const url = await Servers.ensureDatabase(`bench_users_${count}`)
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const exists = await client.query("SELECT to_regclass('public.\"user\"') IS NOT NULL AS ok")
    const have = exists.rows[0]?.ok === true
      ? Number((await client.query("SELECT count(*)::int AS n FROM \"user\" WHERE email LIKE 'bulk-%'")).rows[0]?.n)
      : 0
    if (have === count) return url
    // the example creates its tables and the first user, whose hash every bulk row reuses
    const server = await Servers.effectUsers({ name: `p4-migrate-${count}`, database: url })
    await Servers.fastApiStyleAccount(server, "bulk-0@bulk.bt", password)
    await server.process.stop()
    const started = Date.now()
    await client.query("DELETE FROM \"user\" WHERE email LIKE 'bulk-%' AND email <> 'bulk-0@bulk.bt'")
    // every column copied from the first user, but the id and the address (and its lower-cased form, if kept)
    const columns = (await client.query(
      "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'user' AND table_schema = 'public'"
    )).rows.map((row: { name: string }) => row.name)
    const value = (column: string) =>
      column === "id"
        ? "gen_random_uuid()"
        : column === "email" || column === "email_lower"
        ? "'bulk-' || i || '@bulk.bt'"
        : `t."${column}"`
    await client.query(
      `INSERT INTO "user" (${columns.map((c) => `"${c}"`).join(", ")})
       SELECT ${columns.map(value).join(", ")}
       FROM generate_series(1, $1::int - 1) AS i, (SELECT * FROM "user" WHERE email = 'bulk-0@bulk.bt') AS t`,
      [count]
    )
    await client.query("ANALYZE \"user\"")
    log(`  P4: loaded ${count} users in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return url
  } finally {
    await client.end()
  }
}

export const run = async (): Promise<Section> => {
  const loadBefore = loads()
  const sizes = [1_000, quick ? 100_000 : 1_000_000]
  const entries: Array<Entry> = []
  const servers: Array<Servers.Server> = []
  for (const size of sizes) {
    const url = await populated(size)
    const server = await Servers.effectUsers({ name: `p4-${size}`, database: url })
    servers.push(server)
    const account = await Servers.fastApiStyleAccount(server, `bulk-${Math.floor(size / 2)}@bulk.bt`, password)
    entries.push(
      { name: `${size} me c1`, url: server.url, spec: account.me, connections: 1 },
      { name: `${size} me c32`, url: server.url, spec: account.me, connections: 32 },
      { name: `${size} login c2`, url: server.url, spec: account.login, connections: 2 }
    )
  }
  log(`P4: ${title}`)
  const samples = await interleaved(entries)
  for (const server of servers) await server.process.stop()
  const [small, large] = sizes
  const of = (name: string) => samples.get(name) ?? []
  const rows = ["me c1", "me c32", "login c2"].map((kind) => {
    const a = of(`${small} ${kind}`)
    const b = of(`${large} ${kind}`)
    const p99 = ratios(b.map((s) => s.p99), a.map((s) => s.p99))
    const rps = ratios(b.map((s) => s.rps), a.map((s) => s.rps))
    return [
      kind.replace("me", "`/users/me`").replace("c", "-c"),
      `${fmt(median(a.map((s) => s.rps)), 0)} / ${fmt(median(b.map((s) => s.rps)), 0)}`,
      `${fmt(median(a.map((s) => s.p99)))} / ${fmt(median(b.map((s) => s.p99)))}`,
      fmt(median(rps)),
      fmt(median(p99)),
      perRound(p99, 2)
    ]
  })
  return {
    id,
    title,
    body: [
      `${small} and ${large} users; load average ${loadBefore} before, ${loads()} after.`,
      table([
        "measured",
        `req/s ${small} / ${large}`,
        `p99 ms ${small} / ${large}`,
        "req/s ratio",
        "p99 ratio",
        "p99 ratio per round"
      ], rows)
    ],
    targets: []
  }
}
