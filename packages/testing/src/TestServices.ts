/**
 * The URLs of the real services that integration tests talk to, as `scripts/services.sh` hands them over.
 *
 * @since 0.0.0
 */
import { readFileSync } from "node:fs"
import { createServer } from "node:net"

/**
 * A service URL variable that integration tests require.
 *
 * @since 0.0.0
 * @category models
 */
export type ServiceUrl = "DATABASE_URL" | "REDIS_URL" | "MONGODB_URL"

const provider: Record<ServiceUrl, string> = {
  DATABASE_URL: "PostgreSQL",
  REDIS_URL: "Redis",
  MONGODB_URL: "FerretDB (MongoDB wire protocol)"
}

/**
 * Reads a service URL from the environment, throwing a message that names the service when it is missing: an
 * integration test never skips silently.
 *
 * @since 0.0.0
 * @category constructors
 */
export const requireUrl = (name: ServiceUrl): string => {
  const value = process.env[name]
  if (value === undefined || value === "") {
    throw new Error(
      `${name} is not set: this integration test needs ${provider[name]}. Run the tests through \`npm test\` ` +
        `(which starts the services), or \`bash scripts/services.sh -- npx vitest run <file>\`.`
    )
  }
  return value
}

/**
 * A free port on 127.0.0.1 for a server a test starts, below the kernel's ephemeral range: a port the kernel hands
 * out for port 0 can go to another test's server before ours binds it (a reference server that starts slowly), or
 * while a private service is down between a stop and a start; no port 0 bind ever takes one of these.
 *
 * @since 0.1.0
 * @category constructors
 */
export const freePort = async (): Promise<number> => {
  const [ephemeralLow = 32_768] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/u)
    .map(Number)
  const low = 10_000
  const high = Math.max(low + 1_000, ephemeralLow) - 1
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low))
    if (await bindable(port)) return port
  }
  throw new Error(`no free port in ${low}–${high}`)
}

const bindable = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(false))
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)))
  })
