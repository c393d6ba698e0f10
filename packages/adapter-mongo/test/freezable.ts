import { Effect } from "effect"
import type { Scope } from "effect"
import * as Net from "node:net"

/** A TCP proxy in front of a server that a test can freeze: connections stay open and nothing gets through. */
export interface Freezable {
  readonly url: string
  /** Stop (or resume) forwarding in both directions, as a SIGSTOPped server would behave. */
  readonly freeze: (frozen: boolean) => void
}

/** Proxies `target` (a `mongodb://host:port/` URL) on a free loopback port, closed with the scope. */
export const makeFreezable = (target: string): Effect.Effect<Freezable, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { hostname, port } = new URL(target)
    let frozen = false
    const sockets = new Set<Net.Socket>()
    const server = Net.createServer((client) => {
      const upstream = Net.connect(Number(port), hostname)
      client.pipe(upstream)
      upstream.pipe(client)
      // After `pipe`, which resumes its source: a connection opened while frozen stays frozen.
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on("error", () => socket.destroy())
        socket.on("close", () => sockets.delete(socket))
        if (frozen) socket.pause()
      }
      client.on("close", () => upstream.destroy())
      upstream.on("close", () => client.destroy())
    })
    const address = yield* Effect.acquireRelease(
      Effect.callback<Net.AddressInfo>((resume) => {
        server.listen(0, "127.0.0.1", () => {
          const bound = server.address()
          resume(
            bound !== null && typeof bound === "object"
              ? Effect.succeed(bound)
              : Effect.die(new Error("the proxy did not bind a TCP port"))
          )
        })
      }),
      () =>
        Effect.callback<void>((resume) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resume(Effect.void))
        })
    )
    const url = new URL(target)
    url.port = String(address.port)
    return {
      url: url.href,
      freeze: (value) => {
        frozen = value
        for (const socket of sockets) {
          if (value) socket.pause()
          else socket.resume()
        }
      }
    }
  })
