/**
 * P1c: the opt-in cached read path. `GET /users/me` (JWT, 32 connections) on effect-users with `USER_CACHE=1` (users
 * in memory, invalidated through PostgreSQL's LISTEN/NOTIFY) beside bare node:http, effect's own HttpRouter answering
 * a static body (what the framework alone costs) and the default configuration. Target: cached ≥ 0.5× bare.
 */
import { type Entry, interleaved } from "../lib/measure.ts"
import { log } from "../lib/proc.ts"
import type { Section } from "../lib/report.ts"
import { loads, table } from "../lib/report.ts"
import * as Servers from "../lib/servers.ts"
import { fmt, median, perRound, ratios } from "../lib/stats.ts"

export const id = "P1c"
export const title = "the cached read path against bare node:http"

export const run = async (): Promise<Section> => {
  const loadBefore = loads()
  const database = await Servers.benchDatabase()
  const cached = await Servers.effectUsers({ name: "cached", database, env: { USER_CACHE: "1" } })
  const plain = await Servers.effectUsers({ name: "default", database })
  const account = await Servers.fastApiStyleAccount(cached, "bench-p1c@camelot.bt")
  const body = await (await fetch(`${cached.url}/users/me`, { headers: account.me.headers })).text()
  const bare = await Servers.bare(body)
  const router = await Servers.effectRouter(body)
  const c = 32
  const entries: Array<Entry> = [
    { name: "bare", url: bare.url, spec: account.me, connections: c },
    { name: "effect HttpRouter", url: router.url, spec: account.me, connections: c },
    { name: "cached", url: cached.url, spec: account.me, connections: c },
    { name: "default", url: plain.url, spec: account.me, connections: c }
  ]
  log(`P1c: ${title}`)
  const samples = await interleaved(entries)
  for (const server of [cached, plain, bare, router]) await server.process.stop()
  const rps = (name: string) => (samples.get(name) ?? []).map((s) => s.rps)
  const labels: Record<string, string> = {
    bare: "bare `node:http`, static JSON",
    "effect HttpRouter": "effect `HttpRouter` + `NodeHttpServer`, static JSON (the framework alone)",
    cached: "**effect-users `USER_CACHE=1`** (JWT, users in memory, LISTEN/NOTIFY)",
    default: "effect-users default (JWT, a select per request)"
  }
  const toBare = ratios(rps("cached"), rps("bare"))
  return {
    id,
    title,
    body: [
      `wrk -c${c}; load average ${loadBefore} before, ${loads()} after; "× bare" is the median of per-round ratios.`,
      table(
        ["server", "req/s", "p50 ms", "p99 ms", "× bare", "req/s per round"],
        entries.map(({ name }) => {
          const list = samples.get(name) ?? []
          return [
            labels[name] ?? name,
            fmt(median(list.map((s) => s.rps)), 0),
            fmt(median(list.map((s) => s.p50))),
            fmt(median(list.map((s) => s.p99))),
            fmt(median(ratios(rps(name), rps("bare")))),
            perRound(list.map((s) => s.rps))
          ]
        })
      )
    ],
    targets: [{
      name: "cached / bare",
      value: median(toBare),
      direction: "≥",
      bound: 0.5,
      detail: `per round ${perRound(toBare, 2)}`
    }]
  }
}
