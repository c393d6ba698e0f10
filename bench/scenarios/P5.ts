/**
 * P5: memory. Peak resident memory (Linux's VmHWM, reset before each run) of effect-users' example during a register
 * storm (8 connections, one new address per request: a hash each), against the floor's peak under its own
 * `GET /users/me` load (32 connections); also the example's peak under `/users/me` load and its idle memory on
 * PostgreSQL and on the embedded PGlite (what PGlite itself costs). Target: register-storm peak ≤ 2× the floor's.
 */
import pg from "pg"
import { timing } from "../lib/config.ts"
import { type Entry, once } from "../lib/measure.ts"
import { log, peakRss, resetPeak, rss, sleep } from "../lib/proc.ts"
import type { Section } from "../lib/report.ts"
import { loads, table } from "../lib/report.ts"
import * as Servers from "../lib/servers.ts"
import { fmt, median, perRound, ratios } from "../lib/stats.ts"

export const id = "P5"
export const title = "peak memory under a register storm"

const peakDuring = async (server: Servers.Server, entry: Entry) => {
  resetPeak(server.process.pid)
  const sample = await once(entry, timing.seconds)
  return { peak: peakRss(server.process.pid), sample }
}

export const run = async (): Promise<Section> => {
  const loadBefore = loads()
  const database = await Servers.benchDatabase()
  const ours = await Servers.effectUsers({ name: "p5-effect-users", database })
  const floor = await Servers.floor(database)
  const account = await Servers.fastApiStyleAccount(ours, "bench-p5@camelot.bt")
  await sleep(1000)
  const idlePostgres = rss(ours.process.pid)
  const embedded = await Servers.effectUsers({ name: "p5-embedded", database: "embedded" })
  await sleep(1000)
  const idleEmbedded = rss(embedded.process.pid)
  await embedded.process.stop()
  const prefix = `p5-${Date.now()}`
  const storm: Entry = {
    name: "register storm",
    url: ours.url,
    spec: {
      method: "POST",
      path: "/auth/register",
      headers: { "Content-Type": "application/json" },
      body: "{\"email\":\"%s-%d@storm.bt\",\"password\":\"storm-password\"}",
      unique: prefix
    },
    connections: 8
  }
  const floorLoad: Entry = { name: "floor", url: floor.url, spec: account.me, connections: 32 }
  const oursLoad: Entry = { name: "me", url: ours.url, spec: account.me, connections: 32 }
  log(`P5: ${title}`)
  await once(floorLoad, timing.warmup)
  await once(oursLoad, timing.warmup)
  const peaks = { storm: [] as Array<number>, floor: [] as Array<number>, me: [] as Array<number> }
  const registered: Array<number> = []
  for (let round = 0; round < timing.rounds; round++) {
    const s = await peakDuring(ours, { ...storm, spec: { ...storm.spec, unique: `${prefix}-${round}` } })
    const f = await peakDuring(floor, floorLoad)
    const m = await peakDuring(ours, oursLoad)
    peaks.storm.push(s.peak)
    peaks.floor.push(f.peak)
    peaks.me.push(m.peak)
    registered.push(s.sample.rps)
    log(
      `  round ${round + 1}: register storm ${fmt(s.sample.rps, 1)}/s peak ${
        fmt(s.peak, 0)
      } MiB (status ≥ 400: ${s.sample.failed}); floor under load peak ${
        fmt(f.peak, 0)
      } MiB; effect-users under /users/me load peak ${fmt(m.peak, 0)} MiB`
    )
  }
  await ours.process.stop()
  await floor.process.stop()
  const client = new pg.Client({ connectionString: database })
  await client.connect()
  await client.query("DELETE FROM \"user\" WHERE email LIKE $1", [`${prefix}-%`])
  await client.end()
  const ratio = ratios(peaks.storm, peaks.floor)
  return {
    id,
    title,
    body: [
      `VmHWM of the server process, reset (\`/proc/<pid>/clear_refs\`) before each ${timing.seconds} s run; load ` +
      `average ${loadBefore} before, ${loads()} after.`,
      table(["measured", "MiB (median)", "per round"], [
        ["effect-users, register storm (8 connections)", fmt(median(peaks.storm), 0), perRound(peaks.storm)],
        ["floor, `/users/me` load (32 connections)", fmt(median(peaks.floor), 0), perRound(peaks.floor)],
        ["effect-users, `/users/me` load (32 connections)", fmt(median(peaks.me), 0), perRound(peaks.me)],
        ["effect-users idle on PostgreSQL", fmt(idlePostgres, 0), ""],
        ["effect-users idle on the embedded PGlite (in memory)", fmt(idleEmbedded, 0), ""],
        ["of which PGlite (the difference)", fmt(idleEmbedded - idlePostgres, 0), ""]
      ]),
      `Registrations per second during the storm: ${perRound(registered, 1)}.`
    ],
    targets: [{
      name: "register-storm peak / floor's peak",
      value: median(ratio),
      direction: "≤",
      bound: 2,
      detail: `per round ${perRound(ratio, 2)}`
    }]
  }
}
