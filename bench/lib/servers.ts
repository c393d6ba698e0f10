/**
 * The servers the scenarios compare, started on free loopback ports, each answering `GET /users/me` (or its peer's
 * equivalent) for one account: the hand-written ceilings (bench/servers), effect-users' example server
 * (examples/server, the same code `npm start` runs) and the peers (bench/lib/peers.ts).
 */
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import pg from "pg"
import { databaseNamed, databaseUrl, redisUrl, root } from "./config.ts"
import { betterAuthDir, fastApiUsersPython } from "./peers.ts"
import { freePort, type Spawned, start, waitUntilServing } from "./proc.ts"
import type { RequestSpec } from "./wrk.ts"

export interface Server {
  readonly name: string
  readonly url: string
  readonly process: Spawned
}

/** What a scenario sends for an account: its authenticated read and its login. */
export interface Account {
  readonly me: RequestSpec
  readonly login: RequestSpec
}

/** The JWT secret every server of a run shares (the floor verifies effect-users' tokens). */
export const secret = randomBytes(32).toString("base64url")

/** Creates a database on the test services' PostgreSQL unless it exists. */
export const ensureDatabase = async (name: string): Promise<string> => {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`)
  } finally {
    await client.end()
  }
  return databaseNamed(name)
}

/** effect-users' own database for the bench (the test database is left to the tests). */
export const benchDatabase = () => ensureDatabase("effect_users_bench")

const node = process.execPath
const source = "--conditions=@effect-users/source"

const serve = async (
  name: string,
  command: string,
  args: ReadonlyArray<string> | ((port: number) => ReadonlyArray<string>),
  options: { env?: Record<string, string | undefined>; cpus?: string | undefined; cwd?: string; ready?: string }
): Promise<Server> => {
  const port = await freePort()
  const spawned = start(command, typeof args === "function" ? args(port) : args, {
    name,
    cwd: options.cwd,
    cpus: options.cpus,
    env: { ...options.env, PORT: String(port) }
  })
  const url = `http://127.0.0.1:${port}`
  await waitUntilServing(spawned, `${url}${options.ready ?? "/"}`)
  return { name, url, process: spawned }
}

/** `bench/servers/bare.ts`: node:http and a static body. */
export const bare = (body: string) =>
  serve("bare", node, [join(root, "bench/servers/bare.ts")], { env: { BODY: body } })

/** `bench/servers/effect-router.ts`: effect's HttpRouter and a static body. */
export const effectRouter = (body: string) =>
  serve("effect-router", node, [join(root, "bench/servers/effect-router.ts")], {
    env: { BODY: body },
    ready: "/users/me"
  })

/** `bench/servers/floor.ts`: the same work as effect-users' `/users/me` without a framework. */
export const floor = (database: string) =>
  serve("floor", node, [join(root, "bench/servers/floor.ts")], { env: { SECRET: secret, DATABASE_URL: database } })

export interface EffectUsersOptions {
  readonly name: string
  /** PostgreSQL (the default: the bench's database), or `embedded` (PGlite in memory). */
  readonly database?: string | "embedded"
  /** Mounts the Redis backend (`/auth/redis`). */
  readonly redis?: boolean
  readonly env?: Record<string, string>
  readonly cpus?: string | undefined
  /** Extra node flags (e.g. `--cpu-prof`). */
  readonly nodeFlags?: ReadonlyArray<string>
}

/** effect-users' example server (examples/server/src/main.ts). */
export const effectUsers = async (options: EffectUsersOptions): Promise<Server> => {
  const database = options.database ?? (await benchDatabase())
  return serve(
    options.name,
    node,
    [source, ...(options.nodeFlags ?? []), join(root, "examples/server/src/main.ts")],
    {
      cpus: options.cpus,
      ready: "/openapi.json",
      env: {
        SECRET: secret,
        DATABASE_URL: database === "embedded" ? "" : database,
        REDIS_URL: options.redis === true ? redisUrl : "",
        MONGODB_URL: "",
        ...options.env
      }
    }
  )
}

/** FastAPI Users 15.0.5 (scripts/reference/app.py) under uvicorn (uvloop, httptools) on its own PostgreSQL database. */
export const fastApiUsers = async (workers: number): Promise<Server> => {
  const python = fastApiUsersPython()
  const database = new URL(await ensureDatabase("bench_fastapi_users"))
  database.protocol = "postgresql+asyncpg:"
  return serve(
    `fastapi-users-${workers}w`,
    python,
    (port) => [
      "-m",
      "uvicorn",
      "--app-dir",
      join(root, "scripts/reference"),
      "app:app",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--workers",
      String(workers),
      "--log-level",
      "warning",
      "--no-access-log"
    ],
    { env: { SECRET: secret, REFERENCE_DATABASE_URL: database.toString(), REDIS_URL: "" }, ready: "/openapi.json" }
  )
}

/** Better Auth (bench/peers/better-auth/server.ts) on its own database of the same PostgreSQL. */
export const betterAuth = async (): Promise<Server> => {
  const dir = betterAuthDir()
  const database = await ensureDatabase("bench_better_auth")
  return serve("better-auth", node, [join(dir, "server.ts")], {
    cwd: dir,
    env: { SECRET: secret, DATABASE_URL: database, NODE_OPTIONS: "" },
    ready: "/api/auth/ok"
  })
}

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body)
})
const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString()
})

/**
 * Registers (or reuses) an account on effect-users or FastAPI Users (the same routes) and logs in through a backend's
 * login route (`jwt`, `db`, `redis`): its `/users/me` with that backend's bearer token, and its login.
 */
export const fastApiStyleAccount = async (
  server: Server,
  email: string,
  password = "bench-password",
  backend = "jwt"
): Promise<Account> => {
  const registered = await fetch(`${server.url}/auth/register`, json({ email, password }))
  await registered.arrayBuffer()
  if (registered.status !== 201 && registered.status !== 400) {
    throw new Error(`${server.name}: register answered ${registered.status}`)
  }
  const fields = { username: email, password }
  const login = await fetch(`${server.url}/auth/${backend}/login`, form(fields))
  if (login.status !== 200) throw new Error(`${server.name}: login answered ${login.status}: ${await login.text()}`)
  const token = ((await login.json()) as { access_token: string }).access_token
  const me: RequestSpec = { path: "/users/me", headers: { Authorization: `Bearer ${token}` } }
  const check = await fetch(`${server.url}/users/me`, { headers: me.headers })
  if (check.status !== 200) throw new Error(`${server.name}: /users/me answered ${check.status}`)
  await check.arrayBuffer()
  return {
    me,
    login: {
      method: "POST",
      path: `/auth/${backend}/login`,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: form(fields).body
    }
  }
}

/** Signs up (or reuses) an account on Better Auth: its bearer `get-session`, and its sign-in. */
export const betterAuthAccount = async (server: Server, email: string, password = "bench-password") => {
  // Better Auth refuses a POST without the origin a browser would send (its CSRF check)
  const post = (body: unknown) => {
    const request = json(body)
    return { ...request, headers: { ...request.headers, origin: server.url } }
  }
  await (await fetch(`${server.url}/api/auth/sign-up/email`, post({ email, password, name: "bench" }))).arrayBuffer()
  const signIn = await fetch(`${server.url}/api/auth/sign-in/email`, post({ email, password }))
  const token = signIn.headers.get("set-auth-token")
  await signIn.arrayBuffer()
  if (signIn.status !== 200 || token === null) throw new Error(`better-auth: sign-in answered ${signIn.status}`)
  const me: RequestSpec = { path: "/api/auth/get-session", headers: { Authorization: `Bearer ${token}` } }
  const check = await fetch(`${server.url}${me.path}`, { headers: me.headers })
  const session = (await check.json()) as { user?: unknown } | null
  if (check.status !== 200 || session?.user === undefined) throw new Error("better-auth: get-session has no user")
  return {
    me,
    login: {
      method: "POST",
      path: "/api/auth/sign-in/email",
      headers: { "Content-Type": "application/json", Origin: server.url },
      body: JSON.stringify({ email, password })
    }
  } satisfies Account
}
