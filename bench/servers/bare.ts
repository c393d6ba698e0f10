/**
 * Ceiling 1: a bare `node:http` server answering every request with one static JSON body (the size and shape of a
 * `GET /users/me` answer). No authentication, no database: the most any Node server can do on this machine.
 *
 * Environment: PORT (required), BODY (the JSON body to answer).
 */
import { createServer } from "node:http"

const port = Number(process.env.PORT)
const body = Buffer.from(
  process.env.BODY ??
    "{\"id\":\"00000000-0000-4000-8000-000000000000\",\"email\":\"bench@camelot.bt\",\"is_active\":true,\"is_superuser\":false,\"is_verified\":false}"
)

const server = createServer((_request, response) => {
  response.writeHead(200, { "content-type": "application/json", "content-length": body.length })
  response.end(body)
})
server.keepAliveTimeout = 65_000
server.listen(port, "127.0.0.1", () => process.stdout.write(`bare listening on http://127.0.0.1:${port}\n`))
const stop = () => server.close(() => process.exit(0))
process.once("SIGTERM", stop)
process.once("SIGINT", stop)
