/**
 * The published shape, tested from the outside: every package is built and packed; each tarball is linted with
 * publint and @arethetypeswrong/cli (ESM-only profile, every module entry point); the tarballs are installed into a
 * fresh application in the system's temporary directory (its own package.json, registry versions of effect and the
 * drivers, no workspace in reach), which is type-checked with a plain tsc of the latest TypeScript and of the oldest
 * supported one (5.7), then run on Node.js 24 against PostgreSQL: register, login and /users/me with a custom user
 * field, and an application route; the packed CLI migrates another database and creates a superuser, who logs in
 * through examples/server. Every TypeScript code block of the READMEs and of docs/ is type-checked there
 * too, against the installed tarballs (Snippets.ts), and core's README example runs.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { execFile, spawn } from "node:child_process"
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, assert, describe, it } from "vitest"
import { snippetFiles, writeSnippets } from "./Snippets.ts"

const root = new URL("../..", import.meta.url).pathname
const run = promisify(execFile)

/** The packages that are packed, linted and installed (the private `testing` too: the docs' suites use it). */
const packages = [
  "core",
  "adapter-sql",
  "adapter-mongo",
  "strategy-jwt",
  "strategy-db",
  "strategy-redis",
  "transport-http",
  "oauth",
  "mailer-smtp",
  "cli",
  "testing"
] as const

/** The oldest TypeScript the published declarations are checked against (5.6 lacks ES2024, which effect needs). */
const oldestTypeScript = "5.7.3"

/** The environment of every command run in the temporary application: no workspace condition, no inherited npm config. */
const cleanEnv = (): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key === "NODE_OPTIONS" || key.startsWith("npm_") || key === "INIT_CWD") continue
    env[key] = value
  }
  return env
}

const sh = async (command: string, args: ReadonlyArray<string>, cwd: string): Promise<string> => {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd,
      env: cleanEnv(),
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000
    })
    return `${stdout}${stderr}`
  } catch (error) {
    const text = (key: string) =>
      typeof error === "object" && error !== null && key in error ? String(Reflect.get(error, key)) : ""
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${text("stdout")}${text("stderr")}${error}`)
  }
}

const node = process.execPath

const UserBody = Schema.Struct({
  email: Schema.String,
  first_name: Schema.String,
  is_active: Schema.Boolean,
  is_verified: Schema.Boolean
})
const TokenBody = Schema.Struct({ access_token: Schema.String, token_type: Schema.String })
const json = (response: Response): Promise<unknown> => response.json()

const temp = await mkdtemp(join(tmpdir(), "effect-users-consumer-"))
const tarballs = join(temp, "tarballs")
const app = join(temp, "app")
const tarball = new Map<string, string>()

const database = `consumer_${process.pid}_${Date.now()}`
const adminUrl = process.env.DATABASE_URL

/** Runs one statement on the server at DATABASE_URL (creating and dropping the application's database). */
const admin = (statement: string): Promise<unknown> =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(adminUrl ?? ""), maxConnections: 1 }))
    )
  )

afterAll(async () => {
  await rm(temp, { recursive: true, force: true })
  if (adminUrl !== undefined) await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  if (adminUrl !== undefined) await admin(`DROP DATABASE IF EXISTS ${database}_cli WITH (FORCE)`)
})

describe("the packed packages in a fresh application", () => {
  it("build and pack every package", { timeout: 300_000 }, async () => {
    await sh("npm", ["run", "build", "--silent"], root)
    await mkdir(tarballs, { recursive: true })
    const args = ["pack", "--json", "--pack-destination", tarballs, ...packages.map((p) => `--workspace=packages/${p}`)]
    const packed: Array<{ name: string; filename: string; files: Array<{ path: string }> }> = JSON.parse(
      await run("npm", args, { cwd: root, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 }).then((r) => r.stdout)
    )
    for (const entry of packed) {
      tarball.set(entry.name, join(tarballs, entry.filename))
      const paths = entry.files.map((file) => file.path)
      const stray = paths.filter((path) =>
        !/^(dist\/.+\.(js|d\.ts)(\.map)?|src\/.+\.ts|README\.md|CHANGELOG\.md|LICENSE|package\.json)$/.test(path)
      )
      assert.deepStrictEqual(stray, [], `${entry.name}: files outside dist, src and the docs`)
      for (const required of ["LICENSE", "README.md", "CHANGELOG.md", "dist/index.js", "dist/index.d.ts"]) {
        assert.include(paths, required, `${entry.name} lacks ${required}`)
      }
      assert.notInclude(paths.join("\n"), "/test/", `${entry.name} ships tests`)
    }
    assert.strictEqual(tarball.size, packages.length)
  })

  it("publint and attw (ESM-only profile) report nothing on any tarball", { timeout: 300_000 }, async () => {
    for (const name of packages) {
      const file = tarball.get(`@effect-users/${name}`)
      assert.isDefined(file)
      if (file === undefined) return
      const lint = await sh(join(root, "node_modules/.bin/publint"), ["run", file, "--strict"], root)
      assert.include(lint, "All good!", `publint on ${name}:\n${lint}`)
      const modules = (await readdir(join(root, "packages", name, "src")))
        .filter((entry) => entry.endsWith(".ts") && entry !== "index.ts")
        .map((entry) => `./${entry.slice(0, -3)}`)
      await sh(
        join(root, "node_modules/.bin/attw"),
        [file, "--profile", "esm-only", "--format", "table-flipped", "--entrypoints", ".", ...modules],
        root
      )
    }
  })

  it("install the tarballs with registry dependencies", { timeout: 600_000 }, async () => {
    await cp(join(root, "scripts/consumer"), app, { recursive: true })
    const local = Object.fromEntries(
      packages.map((name) => [`@effect-users/${name}`, `file:${tarball.get(`@effect-users/${name}`)}`])
    )
    const manifest = {
      name: "effect-users-consumer",
      private: true,
      type: "module",
      dependencies: {
        ...local,
        "effect": "^4.1.0",
        "@effect/platform-node": "^4.1.0",
        "@effect/sql-pg": "^4.0.5",
        "ioredis": "^6.0.0",
        "mongodb": "^7.9.0",
        "nodemailer": "^10.6.1"
      },
      devDependencies: {
        "@effect/vitest": "^4.0.5",
        "@types/node": "^24.10.0",
        "vitest": "^5.1.1",
        "typescript": "latest",
        "typescript-oldest": `npm:typescript@${oldestTypeScript}`
      },
      // the tarballs depend on each other by version range: these resolve them to the tarballs, never to a registry
      overrides: local
    }
    await writeFile(join(app, "package.json"), JSON.stringify(manifest, null, 2))
    assert.isAbove(await writeSnippets(join(app, "snippets")), 10)
    await sh("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], app)
    const core = JSON.parse(await readFile(join(app, "node_modules/@effect-users/core/package.json"), "utf8"))
    assert.strictEqual(
      core.version,
      JSON.parse(await readFile(join(root, "packages/core/package.json"), "utf8")).version
    )
  })

  it("type-checks with plain tsc: the latest TypeScript", { timeout: 300_000 }, async () => {
    const version = await sh(node, ["node_modules/typescript/bin/tsc", "--version"], app)
    assert.match(version, /Version \d+\./)
    await sh(node, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], app)
  })

  it(
    `type-checks with plain tsc: TypeScript ${oldestTypeScript}, the oldest supported`,
    { timeout: 300_000 },
    async () => {
      const version = await sh(node, ["node_modules/typescript-oldest/bin/tsc", "--version"], app)
      assert.include(version, oldestTypeScript)
      await sh(node, ["node_modules/typescript-oldest/bin/tsc", "-p", "tsconfig.json"], app)
    }
  )

  it("the documentation's code blocks type-check against the tarballs (latest TypeScript)", {
    timeout: 300_000
  }, async () => {
    for (const project of await snippetFiles(join(app, "snippets"))) {
      await sh(node, ["node_modules/typescript/bin/tsc", "-p", project], app)
    }
  })

  it("core's README example runs from the tarballs", { timeout: 60_000 }, async () => {
    const out = await sh(node, ["snippets/packages_core_README_1/block.ts"], app)
    assert.include(out, "welcome Ada")
  })

  it("the packed CLI migrates a fresh database and creates a superuser, who logs in through examples/server", {
    timeout: 240_000
  }, async () => {
    assert.isDefined(adminUrl, "DATABASE_URL is not set (npm test sets it through scripts/services.sh)")
    if (adminUrl === undefined) return
    await admin(`CREATE DATABASE ${database}_cli`)
    const url = new URL(adminUrl)
    url.pathname = `/${database}_cli`
    // the executable the installed package declares (what `npx effect-users` runs), on this Node.js
    const installed = join(app, "node_modules/@effect-users/cli")
    const declared = JSON.parse(await readFile(join(installed, "package.json"), "utf8"))
    const bin = join(installed, String(declared.bin["effect-users"]))
    // MONGODB_URL would win over DATABASE_URL, in the CLI as in the example
    const { MONGODB_URL: _mongo, REDIS_URL: _redis, ...inherited } = cleanEnv()
    const cliEnv = { ...inherited, DATABASE_URL: url.toString() }
    const migrated = await run(node, [bin, "migrate"], { cwd: app, env: cliEnv, timeout: 120_000 })
    assert.strictEqual(migrated.stdout, "applied 1_fastapi_users_tables\napplied 2_fastapi_users_adoption\n")
    const created = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(node, [bin, "create-superuser", "--email", "root@example.com", "--password-stdin"], {
        cwd: app,
        env: cliEnv,
        stdio: ["pipe", "pipe", "pipe"]
      })
      let out = ""
      child.stdout.on("data", (chunk) => out += chunk)
      child.stderr.on("data", (chunk) => out += chunk)
      child.on("exit", (code) => resolve({ code, out }))
      child.stdin.end("a root password\n")
    })
    assert.strictEqual(created.code, 0, created.out)
    assert.include(created.out, "created superuser root@example.com")

    // examples/server from the workspace, on the database the packed CLI prepared
    const port = 20_000 + ((process.pid + 7) % 20_000)
    const server = spawn(node, ["--conditions=@effect-users/source", join(root, "examples/server/src/main.ts")], {
      cwd: root,
      env: {
        ...inherited,
        DATABASE_URL: url.toString(),
        PORT: String(port),
        SECRET: "consumer-cli-secret-32-bytes-or-more"
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    server.stdout.on("data", (chunk) => output += chunk)
    server.stderr.on("data", (chunk) => output += chunk)
    try {
      const base = `http://127.0.0.1:${port}`
      const deadline = Date.now() + 90_000
      while (!output.includes(`listening on ${base}`) && Date.now() < deadline && server.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100))
      }
      assert.include(output, `listening on ${base}`)
      const login = await fetch(`${base}/auth/jwt/login`, {
        method: "POST",
        body: new URLSearchParams({ username: "root@example.com", password: "a root password" })
      })
      const body = await json(login)
      assert.strictEqual(login.status, 200, JSON.stringify(body))
      const token = Schema.decodeUnknownSync(TokenBody)(body)
      const me = await json(
        await fetch(`${base}/users/me`, { headers: { authorization: `Bearer ${token.access_token}` } })
      )
      assert.deepInclude(me, { email: "root@example.com", is_superuser: true, is_verified: true })
    } finally {
      server.kill("SIGTERM")
      await new Promise((resolve) => server.exitCode === null ? server.on("exit", resolve) : resolve(undefined))
    }
  })

  it("runs on Node.js 24 against PostgreSQL: register, login, /users/me, an application route", {
    timeout: 120_000
  }, async () => {
    assert.isDefined(adminUrl, "DATABASE_URL is not set (npm test sets it through scripts/services.sh)")
    if (adminUrl === undefined) return
    await admin(`CREATE DATABASE ${database}`)
    const url = new URL(adminUrl)
    url.pathname = `/${database}`
    const port = 20_000 + (process.pid % 20_000)
    const child = spawn(node, ["src/main.ts"], {
      cwd: app,
      env: { ...cleanEnv(), DATABASE_URL: url.toString(), PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk) => output += chunk)
    child.stderr.on("data", (chunk) => output += chunk)
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the app did not start:\n${output}`)), 60_000)
        child.on("exit", (code) => reject(new Error(`the app exited (${code}):\n${output}`)))
        child.stdout.on("data", () => {
          if (output.includes("consumer app: listening")) {
            clearTimeout(timer)
            resolve()
          }
        })
      })
      const base = `http://127.0.0.1:${port}`
      const register = await fetch(`${base}/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "ada@example.com", password: "correct horse", first_name: "Ada" })
      })
      const registered = await json(register)
      assert.strictEqual(register.status, 201, JSON.stringify(registered))
      assert.strictEqual(Schema.decodeUnknownSync(UserBody)(registered).first_name, "Ada")
      assert.notProperty(registered, "hashed_password")

      const login = await fetch(`${base}/auth/jwt/login`, {
        method: "POST",
        body: new URLSearchParams({ username: "ada@example.com", password: "correct horse" })
      })
      const body = await json(login)
      assert.strictEqual(login.status, 200, JSON.stringify(body))
      const token = Schema.decodeUnknownSync(TokenBody)(body)
      assert.strictEqual(token.token_type, "bearer")
      const authorization = { authorization: `Bearer ${token.access_token}` }

      const me = await fetch(`${base}/users/me`, { headers: authorization })
      const user = await json(me)
      assert.strictEqual(me.status, 200, JSON.stringify(user))
      assert.deepInclude(Schema.decodeUnknownSync(UserBody)(user), {
        email: "ada@example.com",
        first_name: "Ada",
        is_active: true,
        is_verified: false
      })

      const hello = await fetch(`${base}/hello`, { headers: authorization })
      assert.strictEqual(hello.status, 200)
      assert.deepStrictEqual(await hello.json(), { message: "Hello Ada!" })
      const anonymous = await fetch(`${base}/hello`)
      assert.strictEqual(anonymous.status, 401)
      assert.deepStrictEqual(await anonymous.json(), { detail: "Unauthorized" })

      const wrong = await fetch(`${base}/auth/jwt/login`, {
        method: "POST",
        body: new URLSearchParams({ username: "ada@example.com", password: "wrong" })
      })
      assert.strictEqual(wrong.status, 400)
      assert.deepStrictEqual(await wrong.json(), { detail: "LOGIN_BAD_CREDENTIALS" })
    } finally {
      child.kill("SIGTERM")
      await new Promise((resolve) => child.exitCode === null ? child.on("exit", resolve) : resolve(undefined))
    }
  })
})
