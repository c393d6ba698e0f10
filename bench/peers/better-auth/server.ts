/**
 * Better Auth (the version pinned in ./package.json) for the benchmark: e-mail and password sign-up and sign-in, its
 * `bearer` plugin (the session token of a sign-in answers `GET /api/auth/get-session` as `Authorization: Bearer`), on
 * the same PostgreSQL as effect-users (its own database, DATABASE_URL) through a `pg` pool of 4, its tables created by
 * its own migrations at start. Rate limiting off (a benchmark from one address), no cookie cache (its default: every
 * get-session reads the session and its user from the database, as effect-users reads the user).
 *
 * bench/lib/peers.ts copies this file next to the installed package and runs it. Environment: PORT, SECRET,
 * DATABASE_URL (all required).
 */
import { betterAuth } from "better-auth"
import { getMigrations } from "better-auth/db/migration"
import { toNodeHandler } from "better-auth/node"
import { bearer } from "better-auth/plugins"
import { createServer } from "node:http"
import pg from "pg"

const port = Number(process.env.PORT)
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 })
const auth = betterAuth({
  database: pool,
  secret: process.env.SECRET,
  baseURL: `http://127.0.0.1:${port}`,
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins: [bearer()]
})
const { runMigrations } = await getMigrations(auth.options)
await runMigrations()

const server = createServer(toNodeHandler(auth))
server.keepAliveTimeout = 65_000
server.listen(port, "127.0.0.1", () => process.stdout.write(`better-auth listening on http://127.0.0.1:${port}\n`))
const stop = () => server.close(() => pool.end().then(() => process.exit(0)))
process.once("SIGTERM", stop)
process.once("SIGINT", stop)
