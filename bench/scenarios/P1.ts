/**
 * P1: `GET /users/me` per strategy. effect-users' example (JWT, database tokens, Redis sessions: one server with the
 * Redis backend mounted, one account per backend) beside bare node:http, the floor, FastAPI Users 15.0.5 (uvicorn
 * with a worker per core, and one worker) and Better Auth's bearer get-session, 32 connections.
 * Target: the default configuration (JWT, no cache) ≥ 1.0× the floor.
 */
import { cores } from "../lib/config.ts"
import { type Entry, interleaved } from "../lib/measure.ts"
import { log } from "../lib/proc.ts"
import type { Section } from "../lib/report.ts"
import { loads, table } from "../lib/report.ts"
import * as Servers from "../lib/servers.ts"
import { fmt, median, perRound, ratios } from "../lib/stats.ts"

export const id = "P1"
export const title = "GET /users/me per strategy"

export const run = async (): Promise<Section> => {
  const loadBefore = loads()
  const database = await Servers.benchDatabase()
  const ours = await Servers.effectUsers({ name: "effect-users", redis: true, database })
  const email = "bench-p1@camelot.bt"
  const jwt = await Servers.fastApiStyleAccount(ours, email, undefined, "jwt")
  const db = await Servers.fastApiStyleAccount(ours, email, undefined, "db")
  const redis = await Servers.fastApiStyleAccount(ours, email, undefined, "redis")
  const body = await (await fetch(`${ours.url}/users/me`, { headers: jwt.me.headers })).text()
  const bare = await Servers.bare(body)
  const floor = await Servers.floor(database)
  const floorBody = await (await fetch(`${floor.url}/users/me`, { headers: jwt.me.headers })).text()
  if (JSON.stringify(JSON.parse(floorBody)) !== JSON.stringify(JSON.parse(body))) {
    throw new Error(`P1: the floor answers ${floorBody}, effect-users ${body}`)
  }
  const fastapiBest = await Servers.fastApiUsers(cores)
  const fastapiOne = await Servers.fastApiUsers(1)
  const fastapiAccount = await Servers.fastApiStyleAccount(fastapiBest, email)
  const betterAuth = await Servers.betterAuth()
  const betterAuthAccount = await Servers.betterAuthAccount(betterAuth, email)
  const c = 32
  const entries: Array<Entry> = [
    { name: "bare", url: bare.url, spec: jwt.me, connections: c },
    { name: "floor", url: floor.url, spec: jwt.me, connections: c },
    { name: "effect-users JWT", url: ours.url, spec: jwt.me, connections: c },
    { name: "effect-users DB", url: ours.url, spec: db.me, connections: c },
    { name: "effect-users Redis", url: ours.url, spec: redis.me, connections: c },
    { name: `FastAPI Users ${cores}w`, url: fastapiBest.url, spec: fastapiAccount.me, connections: c },
    { name: "FastAPI Users 1w", url: fastapiOne.url, spec: fastapiAccount.me, connections: c },
    { name: "Better Auth", url: betterAuth.url, spec: betterAuthAccount.me, connections: c }
  ]
  log(`P1: ${title}`)
  const samples = await interleaved(entries)
  for (const server of [ours, bare, floor, fastapiBest, fastapiOne, betterAuth]) await server.process.stop()
  const rps = (name: string) => (samples.get(name) ?? []).map((s) => s.rps)
  const toFloor = ratios(rps("effect-users JWT"), rps("floor"))
  const labels: Record<string, string> = {
    bare: "bare `node:http`, static JSON (ceiling)",
    floor: "floor: `node:http` + `node:crypto` HS256 + `pg` pool of 4, prepared select",
    "effect-users JWT": "**effect-users** JWT bearer (default)",
    "effect-users DB": "effect-users database token (`/auth/db`)",
    "effect-users Redis": "effect-users Redis session (`/auth/redis`; JWT, cookie, DB backends tried first)",
    [`FastAPI Users ${cores}w`]: `FastAPI Users 15.0.5, uvicorn[standard], ${cores} workers`,
    "FastAPI Users 1w": "FastAPI Users 15.0.5, uvicorn[standard], 1 worker",
    "Better Auth": "Better Auth (bearer plugin) `GET /api/auth/get-session`"
  }
  const rows = entries.map(({ name }) => {
    const list = samples.get(name) ?? []
    return [
      labels[name] ?? name,
      fmt(median(list.map((s) => s.rps)), 0),
      fmt(median(list.map((s) => s.p50))),
      fmt(median(list.map((s) => s.p99))),
      fmt(median(ratios(rps(name), rps("floor")))),
      fmt(median(ratios(rps("effect-users JWT"), rps(name))), 1),
      perRound(list.map((s) => s.rps)),
      String(list.reduce((n, s) => n + s.errors + s.failed, 0))
    ]
  })
  return {
    id,
    title,
    body: [
      `wrk -c${c}, rounds as below; load average ${loadBefore} before, ${loads()} after. "× floor" and "JWT ×" are ` +
      "medians of per-round ratios (effect-users JWT divided by the row).",
      table(
        ["server", "req/s", "p50 ms", "p99 ms", "× floor", "effect-users JWT ×", "req/s per round", "errors"],
        rows
      )
    ],
    targets: [{
      name: "effect-users JWT / floor (default configuration)",
      value: median(toFloor),
      direction: "≥",
      bound: 1,
      detail: `per round ${perRound(toFloor, 2)}`
    }]
  }
}
