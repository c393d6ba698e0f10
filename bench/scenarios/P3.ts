/**
 * P3: does a login storm starve the read path? `GET /users/me` (JWT, 8 connections) idle, and while 8 connections log
 * in without pause, at the OWASP default and at FastAPI Users' parameters (PASSWORD_HASH=fastapi), with the server and
 * wrk pinned (`taskset`) to one core and to two: the hasher sizes its pool from the cores it may use, so the same
 * design is measured at both sizes. Per round and configuration: /users/me idle, logins alone, then both at once.
 * Targets (each configuration): /users/me p99 under the storm ≤ 2× idle, its throughput ≥ 0.5× idle, logins during
 * the storm ≥ 0.8× their rate alone.
 */
import { cores, quick, timing } from "../lib/config.ts"
import { type Entry, once } from "../lib/measure.ts"
import { log } from "../lib/proc.ts"
import type { Section, Target } from "../lib/report.ts"
import { loads, table } from "../lib/report.ts"
import * as Servers from "../lib/servers.ts"
import { fmt, median, perRound } from "../lib/stats.ts"

export const id = "P3"
export const title = "GET /users/me under a login storm"

interface Config {
  readonly name: string
  readonly me: Entry
  readonly login: Entry
  readonly stop: () => Promise<void>
}

interface Round {
  readonly idle: { rps: number; p99: number }
  readonly storm: { rps: number; p99: number }
  readonly alone: number
  readonly during: number
  readonly shed: number
}

export const run = async (): Promise<Section> => {
  const loadBefore = loads()
  const cpuSets = quick || cores < 2 ? [`0-${cores - 1}`] : ["0", `0-${cores - 1}`]
  const configs: Array<Config> = []
  for (const cpus of cpuSets) {
    for (const params of ["owasp", "fastapi"]) {
      const server = await Servers.effectUsers({ name: `p3-${params}-${cpus}`, cpus, env: { PASSWORD_HASH: params } })
      const account = await Servers.fastApiStyleAccount(server, `p3-${params}-${Date.now()}@camelot.bt`)
      const n = cpus.includes("-") ? Number(cpus.split("-")[1]) + 1 : 1
      configs.push({
        name: `${params === "owasp" ? "OWASP default" : "FastAPI Users' 64 MiB t=3 p=4"}, ${n} core${n > 1 ? "s" : ""}`,
        me: { name: "me", url: server.url, spec: account.me, connections: 8, cpus },
        login: { name: "login", url: server.url, spec: account.login, connections: 8, cpus },
        stop: server.process.stop
      })
    }
  }
  log(`P3: ${title}`)
  for (const config of configs) await once(config.me, timing.warmup)
  const rounds = new Map<string, Array<Round>>(configs.map((c) => [c.name, []]))
  for (let round = 0; round < timing.rounds; round++) {
    for (const config of configs) {
      const idle = await once(config.me, timing.seconds)
      const alone = await once(config.login, timing.seconds)
      const [storm, during] = await Promise.all([once(config.me, timing.seconds), once(config.login, timing.seconds)])
      const result = { idle, storm, alone: alone.rps, during: during.rps, shed: alone.failed + during.failed }
      rounds.get(config.name)?.push(result)
      log(
        `  round ${round + 1} ${config.name}: /users/me idle ${fmt(idle.rps, 0)} req/s p99 ${fmt(idle.p99, 1)} ms, ` +
          `storm ${fmt(storm.rps, 0)} req/s p99 ${fmt(storm.p99, 1)} ms; logins alone ${fmt(alone.rps, 1)}/s, during ` +
          `${fmt(during.rps, 1)}/s; 503 ${result.shed}`
      )
    }
  }
  for (const config of configs) await config.stop()
  const targets: Array<Target> = []
  const rows = configs.map((config) => {
    const list = rounds.get(config.name) ?? []
    const p99 = list.map((r) => r.storm.p99 / r.idle.p99)
    const rps = list.map((r) => r.storm.rps / r.idle.rps)
    const logins = list.map((r) => r.during / r.alone)
    targets.push(
      {
        name: `${config.name}: p99 storm / idle`,
        value: median(p99),
        direction: "≤",
        bound: 2,
        detail: `per round ${perRound(p99, 2)}`
      },
      {
        name: `${config.name}: req/s storm / idle`,
        value: median(rps),
        direction: "≥",
        bound: 0.5,
        detail: `per round ${perRound(rps, 2)}`
      },
      {
        name: `${config.name}: logins during / alone`,
        value: median(logins),
        direction: "≥",
        bound: 0.8,
        detail: `per round ${perRound(logins, 2)}`
      }
    )
    return [
      config.name,
      perRound(list.map((r) => r.idle.rps)),
      perRound(list.map((r) => r.storm.rps)),
      perRound(list.map((r) => r.idle.p99), 1),
      perRound(list.map((r) => r.storm.p99), 1),
      perRound(list.map((r) => r.alone), 1),
      perRound(list.map((r) => r.during), 1),
      String(list.reduce((n, r) => n + r.shed, 0))
    ]
  })
  return {
    id,
    title,
    body: [
      `wrk -c8 for each load; server and wrk under \`taskset -c\` (PostgreSQL is not pinned); every round listed; ` +
      `load average ${loadBefore} before, ${loads()} after. The machine has ${cores} cores: 4 cores would need a ` +
      "4-core machine (the hasher then runs up to 4 hashes at once, still one core short of all of them).",
      table(
        [
          "configuration",
          "me idle req/s",
          "me storm req/s",
          "me idle p99 ms",
          "me storm p99 ms",
          "logins alone /s",
          "logins during /s",
          "503"
        ],
        rows
      )
    ],
    targets
  }
}
