/**
 * P6: cold start, `npm start` (what a user runs) until the first 200 (`GET /openapi.json`, polled every 10 ms), on
 * PostgreSQL and on the embedded PGlite (in memory), medians of 5 (1 in quick mode); and the same with `node` started
 * directly (3 starts), which shows npm's own share. Targets: ≤ 1 s on PostgreSQL, ≤ 3 s on PGlite.
 */
import { quick } from "../lib/config.ts"
import { freePort, log, sleep, start } from "../lib/proc.ts"
import type { Section } from "../lib/report.ts"
import { loads, table } from "../lib/report.ts"
import * as Servers from "../lib/servers.ts"
import { fmt, median, perRound } from "../lib/stats.ts"

export const id = "P6"
export const title = "cold start"

const coldStart = async (how: "npm" | "node", database: string) => {
  const port = await freePort()
  const started = performance.now()
  const spawned = how === "npm"
    ? start("npm", ["start", "--silent"], {
      name: `p6-${how}`,
      env: {
        PORT: String(port),
        DATABASE_URL: database,
        REDIS_URL: "",
        MONGODB_URL: "",
        SECRET: Servers.secret,
        NODE_OPTIONS: ""
      }
    })
    : start(process.execPath, ["--conditions=@effect-users/source", "examples/server/src/main.ts"], {
      name: `p6-${how}`,
      env: {
        PORT: String(port),
        DATABASE_URL: database,
        REDIS_URL: "",
        MONGODB_URL: "",
        SECRET: Servers.secret,
        NODE_COMPILE_CACHE: "node_modules/.cache/node-compile"
      }
    })
  const url = `http://127.0.0.1:${port}/openapi.json`
  let elapsed = Number.NaN
  while (performance.now() - started < 60_000) {
    if (spawned.child.exitCode !== null) throw new Error(`P6: the server exited:\n${spawned.tail()}`)
    const status = await fetch(url).then((r) => r.arrayBuffer().then(() => r.status), () => 0)
    if (status === 200) {
      elapsed = (performance.now() - started) / 1000
      break
    }
    await sleep(10)
  }
  await spawned.stop()
  return elapsed
}

export const run = async (): Promise<Section> => {
  const loadBefore = loads()
  const database = await Servers.benchDatabase()
  const times = quick ? 1 : 5
  // `node` directly only shows npm's share: fewer starts
  const direct = quick ? 1 : 3
  log(`P6: ${title}`)
  // one start first, so that the compile cache and PGlite's cached initdb exist as they do after any first run
  await coldStart("npm", "")
  const results: Record<string, Array<number>> = {}
  for (
    const [name, how, db] of [
      ["npm start, PostgreSQL", "npm", database],
      ["npm start, PGlite", "npm", ""],
      ["node main.ts, PostgreSQL", "node", database],
      ["node main.ts, PGlite", "node", ""]
    ] as const
  ) {
    const list: Array<number> = []
    for (let i = 0; i < (how === "npm" ? times : direct); i++) list.push(await coldStart(how, db))
    results[name] = list
    log(`  ${name}: ${perRound(list, 2)} s`)
  }
  const of = (name: string) => results[name] ?? []
  return {
    id,
    title,
    body: [
      `Seconds from spawning the command to the first 200, ${times} start(s) each; load average ${loadBefore} ` +
      `before, ${loads()} after.`,
      table(
        ["start", "median s", "each"],
        Object.keys(results).map((name) => [name, fmt(median(of(name))), perRound(of(name), 2)])
      )
    ],
    targets: [
      { name: "`npm start` on PostgreSQL", value: median(of("npm start, PostgreSQL")), direction: "≤", bound: 1 },
      { name: "`npm start` on PGlite", value: median(of("npm start, PGlite")), direction: "≤", bound: 3 }
    ]
  }
}
