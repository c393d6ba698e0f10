/**
 * The peers, installed on demand into the cache directory and reused by later runs: FastAPI Users 15.0.5 from PyPI in
 * a virtual environment (scripts/reference/venv.sh with bench/peers/fastapi-users/requirements.txt: the reference
 * environment plus uvicorn[standard]), and Better Auth from npm (bench/peers/better-auth/package.json, a pinned version,
 * installed into its own directory: never a workspace package).
 */
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { cacheDir, root } from "./config.ts"
import { log } from "./proc.ts"

/** The python of the benchmark's FastAPI Users environment (created the first time: about a minute). */
export const fastApiUsersPython = (): string =>
  execFileSync("bash", [join(root, "scripts/reference/venv.sh")], {
    encoding: "utf8",
    env: { ...process.env, REQUIREMENTS: join(root, "bench/peers/fastapi-users/requirements.txt") },
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 900_000
  }).trim()

const betterAuthSource = join(root, "bench/peers/better-auth")

/** The directory holding Better Auth's server and its node_modules (installed the first time with npm). */
export const betterAuthDir = (): string => {
  const manifest = readFileSync(join(betterAuthSource, "package.json"))
  const dir = join(cacheDir, `bench-better-auth-${createHash("sha256").update(manifest).digest("hex").slice(0, 12)}`)
  if (!existsSync(join(dir, ".complete"))) {
    log(`bench: installing Better Auth from npm into ${dir} ...`)
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    copyFileSync(join(betterAuthSource, "package.json"), join(dir, "package.json"))
    execFileSync("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: dir,
      stdio: ["ignore", "ignore", "inherit"],
      timeout: 600_000
    })
    writeFileSync(join(dir, ".complete"), "")
  }
  // the server itself is copied each run, so that its imports resolve to the installed package
  copyFileSync(join(betterAuthSource, "server.ts"), join(dir, "server.ts"))
  return dir
}

/** The installed version of an npm package of the Better Auth directory. */
export const betterAuthVersion = (dir: string): string =>
  (JSON.parse(readFileSync(join(dir, "node_modules/better-auth/package.json"), "utf8")) as { version: string }).version
