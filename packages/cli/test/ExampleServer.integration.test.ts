/**
 * What an operator does on a fresh PostgreSQL database, with the built binary: `migrate`, `create-superuser` and
 * `import-users`; then `examples/server` (started as `npm start` starts it) on that database logs the superuser in
 * (a superuser-only route answers) and logs the imported bcrypt user in, whose hash it upgrades to Argon2id.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { spawn } from "node:child_process"
import { createServer } from "node:net"
import { build, cli, freshDatabase, query, root } from "./binary.ts"

const BCRYPT = "$2b$04$6QosTBxocgp1p2wEug5xvemq7EqkOoP5loTIAiAravr2UGZncmwTa" // "correct horse battery staple"

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

let drop: () => Promise<unknown> = () => Promise.resolve()
beforeAll(() => build(), 300_000)
afterAll(() => drop())

const login = (base: string, username: string, password: string) =>
  fetch(`${base}/auth/jwt/login`, { method: "POST", body: new URLSearchParams({ username, password }) })

const Token = Schema.Struct({ access_token: Schema.String })
const tokenOf = async (response: Response): Promise<string> => {
  const body: unknown = await response.json()
  assert.strictEqual(response.status, 200, JSON.stringify(body))
  return Schema.decodeUnknownSync(Token)(body).access_token
}

describe("the CLI, then examples/server", () => {
  it("migrate, create-superuser and import-users; the superuser and the imported user log in", {
    timeout: 240_000
  }, async () => {
    const database = await freshDatabase()
    drop = database.drop
    const env = { DATABASE_URL: database.url }
    const migrate = await cli(["migrate"], { env })
    assert.strictEqual(migrate.code, 0, migrate.stderr)
    const superuser = await cli(["create-superuser", "--email", "admin@example.com", "--password-stdin"], {
      env,
      input: "an admin password\n"
    })
    assert.strictEqual(superuser.code, 0, superuser.stderr)
    const imported = await cli(["import-users", "-"], {
      env,
      input: `${JSON.stringify({ email: "legacy@example.com", passwordHash: BCRYPT, email_verified: true })}\n`
    })
    assert.strictEqual(imported.code, 0, imported.stderr)

    const port = await freePort()
    // the example's storage is MongoDB when MONGODB_URL is set: only this database is in its environment
    const { MONGODB_URL: _mongo, REDIS_URL: _redis, ...inherited } = process.env
    const child = spawn(process.execPath, [`${root}examples/server/src/main.ts`], {
      cwd: root,
      env: {
        ...inherited,
        DATABASE_URL: database.url,
        PORT: String(port),
        SECRET: "cli-test-secret-of-32-bytes-or-more"
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    const base = `http://127.0.0.1:${port}`
    try {
      const deadline = Date.now() + 90_000
      while (!output.includes(`listening on ${base}`) && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100))
      }
      assert.include(output, `listening on ${base}`, output)

      const authorization = {
        authorization: `Bearer ${await tokenOf(await login(base, "admin@example.com", "an admin password"))}`
      }
      const me = await (await fetch(`${base}/users/me`, { headers: authorization })).json()
      assert.deepInclude(me, { email: "admin@example.com", is_superuser: true, is_verified: true, is_active: true })
      const legacyToken = await tokenOf(await login(base, "legacy@example.com", "correct horse battery staple"))
      const [row] = await query<{ id: string; hashed_password: string }>(
        database.url,
        `SELECT id::text AS id, hashed_password FROM "user" WHERE email = 'legacy@example.com'`
      )
      assert.match(row?.hashed_password ?? "", /^\$argon2id\$/u, "rehashed at the first login")
      // a route only a superuser may call
      const other = await fetch(`${base}/users/${row?.id}`, { headers: authorization })
      assert.strictEqual(other.status, 200)
      const asLegacy = await fetch(`${base}/users/${row?.id}`, {
        headers: { authorization: `Bearer ${legacyToken}` }
      })
      assert.strictEqual(asLegacy.status, 403)
      assert.strictEqual((await login(base, "admin@example.com", "wrong password")).status, 400)
    } finally {
      child.kill("SIGTERM")
      await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(undefined)))
    }
  })
})
