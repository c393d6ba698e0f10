/**
 * P2: login. effect-users' `POST /auth/jwt/login` (8 connections) against the raw hasher (bench/servers/hasher.ts:
 * `@node-rs/argon2` verify alone, as many in flight as the example hashes at once) at the same Argon2id parameters, at
 * the OWASP default and at FastAPI Users' (64 MiB, t=3, p=4: PASSWORD_HASH=fastapi), and against FastAPI Users'
 * own login (its pwdlib Argon2id at those parameters, uvicorn with a worker per core). No target: the ratios say what
 * the HTTP, database and token work add to the hash.
 */
import { join } from "node:path"
import { cores, root, timing } from "../lib/config.ts"
import { once } from "../lib/measure.ts"
import { log, run as runProcess } from "../lib/proc.ts"
import type { Section } from "../lib/report.ts"
import { loads, table } from "../lib/report.ts"
import * as Servers from "../lib/servers.ts"
import { fmt, median, perRound, ratios } from "../lib/stats.ts"

export const id = "P2"
export const title = "login against the raw hasher and FastAPI Users"

const raw = async (params: string, seconds: number) => {
  const out = await runProcess(process.execPath, [join(root, "bench/servers/hasher.ts")], {
    name: "hasher",
    env: { PARAMS: params, SECONDS: String(seconds) }
  })
  return (JSON.parse(out.trim()) as { rate: number }).rate
}

export const run = async (): Promise<Section> => {
  const loadBefore = loads()
  const owasp = await Servers.effectUsers({ name: "effect-users-owasp" })
  const fastapiParams = await Servers.effectUsers({ name: "effect-users-fastapi", env: { PASSWORD_HASH: "fastapi" } })
  const reference = await Servers.fastApiUsers(cores)
  const tag = `${Date.now()}`
  const accounts = {
    owasp: await Servers.fastApiStyleAccount(owasp, `p2-owasp-${tag}@camelot.bt`),
    fastapi: await Servers.fastApiStyleAccount(fastapiParams, `p2-fastapi-${tag}@camelot.bt`),
    reference: await Servers.fastApiStyleAccount(reference, `p2-${tag}@camelot.bt`)
  }
  const c = 8
  const measure = {
    "effect-users, OWASP": async (s: number) =>
      (await once({ name: "", url: owasp.url, spec: accounts.owasp.login, connections: c }, s)).rps,
    "raw hasher, OWASP": (s: number) => raw("owasp", s),
    "effect-users, FastAPI Users' parameters": async (s: number) =>
      (await once({ name: "", url: fastapiParams.url, spec: accounts.fastapi.login, connections: c }, s)).rps,
    "raw hasher, FastAPI Users' parameters": (s: number) => raw("fastapi", s),
    "FastAPI Users 15.0.5": async (s: number) =>
      (await once({ name: "", url: reference.url, spec: accounts.reference.login, connections: c }, s)).rps
  }
  log(`P2: ${title}`)
  const names = Object.keys(measure) as Array<keyof typeof measure>
  for (const name of names) if (!name.startsWith("raw")) await measure[name](timing.warmup)
  const rates = new Map<string, Array<number>>(names.map((n) => [n, []]))
  for (let round = 0; round < timing.rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]
      if (name === undefined) continue
      const rate = await measure[name](timing.seconds)
      rates.get(name)?.push(rate)
      log(`  round ${round + 1} ${name.padEnd(40)} ${fmt(rate, 1)} logins/s`)
    }
  }
  for (const server of [owasp, fastapiParams, reference]) await server.process.stop()
  const of = (name: keyof typeof measure) => rates.get(name) ?? []
  const toRawOwasp = ratios(of("effect-users, OWASP"), of("raw hasher, OWASP"))
  const toRawFastapi = ratios(
    of("effect-users, FastAPI Users' parameters"),
    of("raw hasher, FastAPI Users' parameters")
  )
  const toReference = ratios(of("effect-users, FastAPI Users' parameters"), of("FastAPI Users 15.0.5"))
  const row = (
    name: keyof typeof measure,
    ratio: string
  ) => [name, fmt(median(of(name)), 1), ratio, perRound(of(name), 1)]
  return {
    id,
    title,
    body: [
      `wrk -c${c} on the login routes; the raw hasher with min(cores, 4) = ${Math.min(cores, 4)} verifies in flight; ` +
      `load average ${loadBefore} before, ${loads()} after. Ratios: medians of per-round ratios.`,
      table(["measured", "logins/s", "ratio", "per round"], [
        row("effect-users, OWASP", `${fmt(median(toRawOwasp))}× raw`),
        row("raw hasher, OWASP", ""),
        row(
          "effect-users, FastAPI Users' parameters",
          `${fmt(median(toRawFastapi))}× raw, ${fmt(median(toReference), 1)}× FastAPI Users`
        ),
        row("raw hasher, FastAPI Users' parameters", ""),
        row("FastAPI Users 15.0.5", "")
      ])
    ],
    targets: []
  }
}
