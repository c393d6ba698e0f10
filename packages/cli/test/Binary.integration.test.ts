/**
 * The built `effect-users` binary, run as a process against real PostgreSQL and FerretDB (a fresh database per
 * test): every command's output, its error paths and their exit codes, and `--help` for every command.
 */
import { requireUrl } from "@effect-users/testing/TestServices"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { bin, build, cli, freshDatabase, query } from "./binary.ts"

// bcrypt and pwdlib's Argon2id (our default parameters) of "correct horse battery staple".
const BCRYPT = "$2b$04$6QosTBxocgp1p2wEug5xvemq7EqkOoP5loTIAiAravr2UGZncmwTa"
const ARGON2 = "$argon2id$v=19$m=19456,t=2,p=1$Rv5s+dAueeQLuJjpqezrjw$w6x1RYxc4DpkETeONS2rvtFUvW6E7Jz87pPofoLr6L0"

let dir = ""
const drops: Array<() => Promise<unknown>> = []
const database = async () => {
  const db = await freshDatabase()
  drops.push(db.drop)
  return db.url
}

beforeAll(async () => {
  await build()
  dir = await mkdtemp(join(tmpdir(), "effect-users-cli-"))
}, 300_000)

afterAll(async () => {
  await Promise.all(drops.map((drop) => drop()))
  await rm(dir, { recursive: true, force: true })
})

describe("effect-users (built)", () => {
  it("--help for every command and subcommand, exit 0; --version", { timeout: 120_000 }, async () => {
    const commands = [
      [],
      ["migrate"],
      ["create-superuser"],
      ["hash-password"],
      ["import-users"],
      ["jwks"],
      ["jwks", "generate"],
      ["jwks", "rotate"],
      ["jwks", "public"]
    ]
    for (const command of commands) {
      const run = await cli([...command, "--help"])
      assert.strictEqual(run.code, 0, `${command.join(" ")} --help: ${run.stderr}`)
      assert.include(run.stdout, "USAGE")
      assert.include(run.stdout, `effect-users ${command.join(" ")}`.trim())
    }
    const version = await cli(["--version"])
    assert.strictEqual(version.code, 0)
    assert.include(version.stdout, "0.1.0")
  })

  it("a wrong command line is exit code 2, naming what is wrong", { timeout: 60_000 }, async () => {
    const unknown = await cli(["migrate", "--bogus"])
    assert.strictEqual(unknown.code, 2)
    assert.include(unknown.stdout + unknown.stderr, "Unrecognized flag: --bogus")
    const subcommand = await cli(["nope"])
    assert.strictEqual(subcommand.code, 2)
    const noDatabase = await cli(["migrate"])
    assert.strictEqual(noDatabase.code, 2)
    assert.include(noDatabase.stderr, "effect-users: no database: pass --database-url or set DATABASE_URL")
    const badEmail = await cli(["create-superuser", "--email", "not-an-address", "--password-stdin"], {
      input: "long-enough-1\n"
    })
    assert.strictEqual(badEmail.code, 2)
    assert.include(badEmail.stderr, "is not a valid e-mail address")
  })

  it("migrate on PostgreSQL: dry run, apply, status, apply again; the rows of the version table", {
    timeout: 120_000
  }, async () => {
    const env = { DATABASE_URL: await database() }
    const dry = await cli(["migrate", "--dry-run"], { env })
    assert.strictEqual(dry.code, 0, dry.stderr)
    assert.include(dry.stdout, "-- 1_fastapi_users_tables:")
    assert.include(dry.stdout, "CREATE TABLE IF NOT EXISTS \"user\" (")
    assert.include(dry.stdout, "-- 2_fastapi_users_adoption:")
    assert.include(dry.stdout, "CREATE UNIQUE INDEX IF NOT EXISTS \"uq_user_email_lower\" ON \"user\" (email_lower);")
    assert.deepStrictEqual(
      await query<{ n: number }>(
        env.DATABASE_URL,
        "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'"
      ),
      [{ n: 0 }],
      "the dry run changed nothing"
    )
    const pending = await cli(["migrate", "--status"], { env })
    assert.deepStrictEqual(pending.stdout.trim().split("\n"), [
      "1_fastapi_users_tables  pending",
      "2_fastapi_users_adoption  pending"
    ])
    const apply = await cli(["migrate"], { env })
    assert.strictEqual(apply.code, 0, apply.stderr)
    assert.strictEqual(apply.stdout, "applied 1_fastapi_users_tables\napplied 2_fastapi_users_adoption\n")
    const status = await cli(["migrate", "--status"], { env })
    assert.match(
      status.stdout,
      /^1_fastapi_users_tables {2}applied \d{4}-\d\d-\d\dT.+\n2_fastapi_users_adoption {2}applied /u
    )
    const again = await cli(["migrate"], { env })
    assert.strictEqual(again.stdout, "up to date\n")
    assert.strictEqual((await cli(["migrate", "--dry-run"], { env })).stdout, "-- every step is applied\n")
  })

  it("migrate into a schema with other table names; migrate the embedded PostgreSQL in a data directory", {
    timeout: 180_000
  }, async () => {
    const url = await database()
    await query(url, "CREATE SCHEMA auth")
    const flags = ["--schema", "auth", "--user-table", "member", "--id", "integer"]
    const applied = await cli(["migrate", ...flags], { env: { DATABASE_URL: url } })
    assert.strictEqual(applied.code, 0, applied.stderr)
    const tables = await query<{ t: string }>(
      url,
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'auth' ORDER BY 1"
    )
    assert.deepStrictEqual(tables.map((r) => r.t), [
      "accesstoken",
      "effect_users_migrations",
      "member",
      "oauth_account"
    ])
    const [id] = await query<{ type: string }>(
      url,
      "SELECT data_type AS type FROM information_schema.columns WHERE table_schema = 'auth' AND table_name = 'member' AND column_name = 'id'"
    )
    assert.strictEqual(id?.type, "integer")
    assert.strictEqual((await cli(["migrate", ...flags], { env: { DATABASE_URL: url } })).stdout, "up to date\n")

    const dataDir = join(dir, "embedded")
    const embedded = await cli(["migrate", "--embedded-dir", dataDir], {})
    assert.strictEqual(embedded.code, 0, embedded.stderr)
    assert.include(embedded.stdout, "applied 2_fastapi_users_adoption")
    const reopened = await cli(["migrate", "--status"], { env: { EMBEDDED_POSTGRES_DIR: dataDir } })
    assert.notInclude(reopened.stdout, "pending")
  })

  it("migrate: a failing step prints PostgreSQL's message and SQLSTATE, exit 1; an unreachable server, exit 3", {
    timeout: 120_000
  }, async () => {
    const url = await database()
    await query(
      url,
      `CREATE TABLE "user" (id UUID PRIMARY KEY, email VARCHAR(320) NOT NULL, hashed_password VARCHAR(1024) NOT NULL,
        is_active BOOLEAN NOT NULL, is_superuser BOOLEAN NOT NULL, is_verified BOOLEAN NOT NULL)`
    )
    await query(
      url,
      `INSERT INTO "user" VALUES ('0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11', 'Ada@example.com', 'x', true, false, false),
        ('0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a12', 'ada@example.com', 'x', true, false, false)`
    )
    const failing = await cli(["migrate"], { env: { DATABASE_URL: url } })
    assert.strictEqual(failing.code, 1)
    assert.include(
      failing.stderr,
      "effect-users: migrate: migration step 2_fastapi_users_adoption failed: could not create unique index " +
        "\"uq_user_email_lower\". Key (email_lower)=(ada@example.com) is duplicated. (SQLSTATE 23505)"
    )
    const down = new URL(url)
    down.port = "1"
    const unreachable = await cli(["migrate"], { env: { DATABASE_URL: down.href } })
    assert.strictEqual(unreachable.code, 3)
    assert.include(unreachable.stderr, "ECONNREFUSED")
  })

  it(
    "create-superuser: from stdin and from the variable; exists = 4, weak password = 1, no password = 2, no tables = 1",
    {
      timeout: 120_000
    },
    async () => {
      const env = { DATABASE_URL: await database() }
      const early = await cli(["create-superuser", "--email", "root@example.com", "--password-stdin"], {
        env,
        input: "correct horse battery\n"
      })
      assert.strictEqual(early.code, 1)
      assert.include(early.stderr, "relation \"user\" does not exist")
      assert.include(early.stderr, "run `effect-users migrate` first")
      assert.strictEqual((await cli(["migrate"], { env })).code, 0)

      const created = await cli(["create-superuser", "--email", "Root@Example.com", "--password-stdin"], {
        env,
        input: "correct horse battery\nignored second line\n"
      })
      assert.strictEqual(created.code, 0, created.stderr)
      assert.match(created.stdout, /^created superuser Root@example\.com \(id [0-9a-f-]{36}\)\n$/u)
      const fromEnv = await cli(["create-superuser", "--email", "ops@example.com"], {
        env: { ...env, EFFECT_USERS_PASSWORD: "another good one" }
      })
      assert.strictEqual(fromEnv.code, 0, fromEnv.stderr)
      const rows = await query<
        { email: string; is_superuser: boolean; is_verified: boolean; is_active: boolean; h: string }
      >(
        env.DATABASE_URL,
        `SELECT email, is_superuser, is_verified, is_active, hashed_password AS h FROM "user" ORDER BY email_lower`
      )
      assert.deepStrictEqual(rows.map((r) => [r.email, r.is_superuser, r.is_verified, r.is_active]), [
        ["ops@example.com", true, true, true],
        ["Root@example.com", true, true, true]
      ])
      for (const row of rows) assert.match(row.h, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/u)

      const exists = await cli(["create-superuser", "--email", "root@EXAMPLE.com", "--password-stdin"], {
        env,
        input: "correct horse battery\n"
      })
      assert.strictEqual(exists.code, 4)
      assert.include(exists.stderr, "effect-users: a user with the e-mail root@example.com already exists")
      const weak = await cli(["create-superuser", "--email", "weak@example.com", "--password-stdin"], {
        env,
        input: "short\n"
      })
      assert.strictEqual(weak.code, 1)
      assert.include(weak.stderr, "the password was refused: Password should be at least 8 characters")
      const none = await cli(["create-superuser", "--email", "none@example.com"], { env })
      assert.strictEqual(none.code, 2)
      assert.include(none.stderr, "no password: pass --password-stdin, set EFFECT_USERS_PASSWORD")
      const empty = await cli(["create-superuser", "--email", "empty@example.com", "--password-stdin"], { env })
      assert.strictEqual(empty.code, 2)
    }
  )

  it("hash-password prints a PHC string core verifies; --hash-params fastapi", { timeout: 60_000 }, async () => {
    const owasp = await cli(["hash-password", "--password-stdin"], { input: "correct horse battery staple\n" })
    assert.strictEqual(owasp.code, 0, owasp.stderr)
    assert.match(owasp.stdout, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}\n$/u)
    const fastapi = await cli(["hash-password", "--password-stdin", "--hash-params", "fastapi"], { input: "x\n" })
    assert.match(fastapi.stdout, /^\$argon2id\$v=19\$m=65536,t=3,p=4\$/u)
    // an empty first line is no password, even when more lines follow
    const blank = await cli(["hash-password", "--password-stdin"], { input: "\nnot the password\n" })
    assert.strictEqual(blank.code, 2)
    assert.include(blank.stderr, "--password-stdin: standard input held no password")
  })

  it(
    "hash-password on a terminal prompts twice, masked; two different entries are exit 2",
    { timeout: 120_000 },
    async () => {
      // util-linux's `script` gives the binary a pseudo-terminal; each answer is typed once its prompt is shown
      const prompted = (answers: ReadonlyArray<string>) =>
        new Promise<{ code: number | null; output: string }>((resolve) => {
          const child = spawn("script", ["-qec", `${process.execPath} ${bin} hash-password`, "/dev/null"], {
            env: { ...process.env, NODE_OPTIONS: "" },
            stdio: ["pipe", "pipe", "pipe"]
          })
          let output = ""
          let answered = 0
          child.stdout.on("data", (chunk: Buffer) => {
            output += chunk.toString("utf8")
            // each prompt re-renders on every key: answer the n-th prompt once its first frame is there
            const shown = (output.includes("Password") ? 1 : 0) + (output.includes("Password (again)") ? 1 : 0)
            if (shown > answered && answered < answers.length) {
              child.stdin.write(`${answers[answered]}\r`)
              answered++
            }
          })
          const timer = setTimeout(() => child.kill("SIGKILL"), 90_000)
          child.on("exit", (code) => {
            clearTimeout(timer)
            resolve({ code, output })
          })
        })
      const same = await prompted(["typed secret", "typed secret"])
      assert.strictEqual(same.code, 0, same.output)
      assert.match(same.output, /\$argon2id\$v=19\$m=19456,t=2,p=1\$/u)
      assert.notInclude(same.output.replace(/\$argon2id\S+/u, ""), "typed secret", "the password is never echoed")
      const differ = await prompted(["typed secret", "another one"])
      assert.strictEqual(differ.code, 2)
      assert.include(differ.output, "the two passwords differ")
    }
  )

  it("import-users: JSON lines and CSV, aliases of Auth0 and Better Auth, refused rows with their line, exit 1", {
    timeout: 120_000
  }, async () => {
    const env = { DATABASE_URL: await database() }
    assert.strictEqual((await cli(["migrate"], { env })).code, 0)
    const jsonl = join(dir, "users.jsonl")
    await writeFile(
      jsonl,
      [
        JSON.stringify({ email: "Bcrypt@Example.com", passwordHash: BCRYPT, email_verified: true }),
        JSON.stringify({ email: "argon@example.com", hashed_password: ARGON2, is_superuser: true }),
        "",
        JSON.stringify({ email: "plain@example.com", hashed_password: "hunter2" }),
        "not json",
        JSON.stringify({ email: "bcrypt@example.com", password_hash: BCRYPT })
      ].join("\n")
    )
    const first = await cli(["import-users", jsonl, "--progress-every", "2"], { env })
    assert.strictEqual(first.code, 1)
    assert.strictEqual(first.stdout, "5 rows: 2 imported, 1 already present, 2 refused\n")
    assert.include(first.stderr, "line 4: refused: hashed_password: unknown password hash format")
    assert.include(first.stderr, "line 5: refused: not valid JSON")
    assert.include(first.stderr, "import-users: 2 rows: 2 imported, 0 already present, 0 refused")
    const rows = await query<{ email: string; is_verified: boolean; is_superuser: boolean; hashed_password: string }>(
      env.DATABASE_URL,
      `SELECT email, is_verified, is_superuser, hashed_password FROM "user" ORDER BY email_lower`
    )
    assert.deepStrictEqual(rows, [
      { email: "argon@example.com", is_verified: false, is_superuser: true, hashed_password: ARGON2 },
      { email: "Bcrypt@example.com", is_verified: true, is_superuser: false, hashed_password: BCRYPT }
    ])
    const csv = await cli(["import-users", "-", "--format", "csv"], {
      env,
      input:
        `email,hashed_password,is_verified\n"csv, quoted@example.com",${BCRYPT},1\ncsv@example.com,${BCRYPT},true\n`
    })
    assert.strictEqual(csv.code, 1, csv.stderr)
    assert.strictEqual(csv.stdout, "2 rows: 1 imported, 0 already present, 1 refused\n")
    assert.include(csv.stderr, "line 2: refused: email: not a valid e-mail address")
    const missing = await cli(["import-users", join(dir, "absent.jsonl")], { env })
    assert.strictEqual(missing.code, 2)
    assert.include(missing.stderr, "cannot read")
  })

  it("migrate on MongoDB: status and dry run list the indexes, apply creates them; create-superuser there", {
    timeout: 120_000
  }, async () => {
    const env = { MONGODB_URL: requireUrl("MONGODB_URL"), MONGODB_DATABASE: `eu_cli_${process.pid}_${Date.now()}` }
    const status = await cli(["migrate", "--status"], { env })
    assert.strictEqual(status.code, 0, status.stderr)
    assert.include(status.stdout, "pending  createIndex User {\"email_lower\":1} unique email_lower_unique")
    const dry = await cli(["migrate", "--dry-run"], { env })
    assert.include(dry.stdout, "createIndex AccessToken {\"token\":1} unique token_unique")
    const apply = await cli(["migrate"], { env })
    assert.strictEqual(apply.code, 0, apply.stderr)
    assert.include(apply.stdout, "applied createIndex User {\"email_lower\":1} unique email_lower_unique")
    assert.notInclude((await cli(["migrate", "--status"], { env })).stdout, "pending")
    assert.strictEqual((await cli(["migrate"], { env })).stdout, "up to date\n")
    const created = await cli(
      ["create-superuser", "--id", "objectId", "--email", "m@example.com", "--password-stdin"],
      {
        env,
        input: "correct horse battery\n"
      }
    )
    assert.strictEqual(created.code, 0, created.stderr)
    assert.match(created.stdout, /id [0-9a-f]{24}\)/u)
    const down = await cli(["migrate"], { env: { ...env, MONGODB_URL: "mongodb://127.0.0.1:1/" } })
    assert.strictEqual(down.code, 3)
    assert.include(down.stderr, "cannot connect to MongoDB")
  })

  it(
    "jwks generate, rotate (the old key verifies only), public; a bad file is exit 2",
    { timeout: 60_000 },
    async () => {
      const file = join(dir, "keys.json")
      const generated = await cli([
        "jwks",
        "generate",
        "--alg",
        "EdDSA",
        "--out",
        file,
        "--public",
        join(dir, "jwks.json")
      ])
      assert.strictEqual(generated.code, 0, generated.stderr)
      assert.strictEqual((await stat(file)).mode & 0o777, 0o600)
      const first = JSON.parse(await readFile(file, "utf8"))
      assert.strictEqual(first.algorithm, "EdDSA")
      assert.include(first.signing.privateKey, "BEGIN PRIVATE KEY")
      assert.deepStrictEqual(first.verification, [])
      const published = JSON.parse(await readFile(join(dir, "jwks.json"), "utf8"))
      assert.deepStrictEqual(published.keys.map((k: { kid: string }) => k.kid), [first.signing.kid])
      assert.notProperty(published.keys[0], "d")

      assert.strictEqual((await cli(["jwks", "rotate", file])).code, 0)
      const rotate = await cli(["jwks", "rotate", file, "--keep", "1"])
      assert.strictEqual(rotate.code, 0, rotate.stderr)
      const third = JSON.parse(await readFile(file, "utf8"))
      assert.strictEqual(third.verification.length, 1)
      assert.notStrictEqual(third.signing.kid, first.signing.kid)
      const pub = JSON.parse((await cli(["jwks", "public", file])).stdout)
      assert.deepStrictEqual(pub.keys.map((k: { kid: string }) => k.kid), [
        third.signing.kid,
        third.verification[0].kid
      ])

      const stdout = await cli(["jwks", "generate"])
      assert.strictEqual(JSON.parse(stdout.stdout).algorithm, "ES256")
      await writeFile(join(dir, "bad.json"), "{\"algorithm\": \"HS256\"}")
      const bad = await cli(["jwks", "rotate", join(dir, "bad.json")])
      assert.strictEqual(bad.code, 2)
      assert.include(bad.stderr, "is not a key-set file")
    }
  )
})
