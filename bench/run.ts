/**
 * `npm run bench`: the benchmark suite (bench/README.md). Starts what it needs (scripts/services.sh, wrapped by the npm
 * script, provides PostgreSQL and Redis; the peers are installed on demand), runs the scenarios in bench/scenarios
 * one after the other, prints every round and target, and writes docs/benchmarks.md.
 *
 *   npm run bench                      # the full suite (sized for ~12 minutes on 2 cores; 14 under load 10+)
 *   npm run bench -- --quick           # one round of 2 s of each scenario (4–5 min): checks the bench, not the figures
 *   npm run bench -- --only=P1c,P3     # some scenarios; --no-write leaves docs/benchmarks.md alone
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { cpus, release, totalmem } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { databaseUrl, logDir, only, quick, root, timing, write } from "./lib/config.ts"
import { betterAuthDir, betterAuthVersion, fastApiUsersPython } from "./lib/peers.ts"
import { log, stopAll } from "./lib/proc.ts"
import { loads, render, type Section, summary, targetLine, writeDoc } from "./lib/report.ts"
import * as P1 from "./scenarios/P1.ts"
import * as P1c from "./scenarios/P1c.ts"
import * as P2 from "./scenarios/P2.ts"
import * as P3 from "./scenarios/P3.ts"
import * as P4 from "./scenarios/P4.ts"
import * as P5 from "./scenarios/P5.ts"
import * as P6 from "./scenarios/P6.ts"

const scenarios = [P1, P1c, P2, P3, P4, P5, P6].filter((s) => only === undefined || only.includes(s.id.toUpperCase()))

const versionOf = (pkg: string) =>
  (JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version

const versions = async () => {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const postgres = String((await client.query("SHOW server_version")).rows[0]?.server_version ?? "?")
  await client.end()
  const python = fastApiUsersPython()
  const uvicorn = execFileSync(python, [
    "-c",
    "import uvicorn, fastapi; print(uvicorn.__version__, fastapi.__version__)"
  ], {
    encoding: "utf8"
  }).trim().split(" ")
  const wrk = execFileSync("bash", ["-c", "wrk -v 2>&1 | head -1"], { encoding: "utf8" }).trim().split(" ")[1] ?? "?"
  return [
    `Node ${process.versions.node}`,
    `effect ${versionOf("effect")}`,
    `@node-rs/argon2 ${versionOf("@node-rs/argon2")}`,
    `PostgreSQL ${postgres.split(" ")[0]}`,
    `PGlite ${versionOf("@electric-sql/pglite")}`,
    `FastAPI Users 15.0.5 (FastAPI ${uvicorn[1]}, uvicorn ${uvicorn[0]} with uvloop and httptools)`,
    `Better Auth ${betterAuthVersion(betterAuthDir())}`,
    `wrk ${wrk}`
  ].join(", ")
}

const main = async () => {
  const started = Date.now()
  const loadStart = loads()
  log(
    `bench: ${quick ? "quick" : "full"} run, ${timing.rounds} round(s) of ${timing.seconds} s, scenarios ${
      scenarios.map((s) => s.id).join(" ")
    }; server logs in ${logDir}`
  )
  const about = await versions()
  const sections: Array<Section> = []
  for (const scenario of scenarios) {
    const begun = Date.now()
    const section = await scenario.run()
    sections.push(section)
    log(`\n${render(section)}`)
    log(`(${scenario.id} took ${((Date.now() - begun) / 1000).toFixed(0)} s)\n`)
  }
  const cpu = cpus()
  const minutes = ((Date.now() - started) / 60_000).toFixed(1)
  const generated = [
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC by \`npm run bench${
      quick ? " -- --quick" : ""
    }\` (${minutes} min; ${timing.rounds} interleaved round(s) of ${timing.seconds} s per measurement) on ${cpu.length} × ${
      cpu[0]?.model.trim() ?? "?"
    }, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}; ${about}. Everything on loopback: load ` +
    "generator, servers and databases share the machine's cores.",
    "",
    `Load average (1 / 5 / 15 min): ${loadStart} at the start, ${loads()} at the end.`,
    "",
    "### Targets",
    "",
    summary(sections),
    "",
    ...sections.map(render)
  ].join("\n")
  log("targets:")
  for (const section of sections) for (const target of section.targets) log(`  ${section.id} ${targetLine(target)}`)
  if (write) {
    writeDoc(generated)
    log("bench: wrote docs/benchmarks.md")
  }
}

const exitCode = await main().then(
  () => 0,
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    return 1
  }
)
await stopAll()
process.exit(exitCode)
