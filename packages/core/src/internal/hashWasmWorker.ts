import bcrypt from "bcryptjs"
import { argon2d, argon2i, argon2id } from "hash-wasm"
import { parentPort } from "node:worker_threads"
import type { WorkerRequest, WorkerResponse } from "./workerProtocol.ts"

// A worker thread that computes Argon2 with hash-wasm (WebAssembly, portable) and checks bcrypt hashes with
// bcryptjs (pure JavaScript), so neither blocks the event loop of the main thread. bcryptjs' own async API would
// not do: it runs on the main thread in slices of up to 100 ms.

const argon2 = { argon2id, argon2i, argon2d } as const

const handle = async (request: WorkerRequest): Promise<Uint8Array | boolean> => {
  switch (request.op) {
    case "argon2":
      return argon2[request.variant]({
        password: request.password,
        salt: request.salt,
        memorySize: request.memoryCost,
        iterations: request.timeCost,
        parallelism: request.parallelism,
        hashLength: request.length,
        outputType: "binary"
      })
    case "bcrypt":
      return bcrypt.compareSync(request.password, request.hash)
  }
}

const port = parentPort
if (port !== null) {
  port.on("message", (request: WorkerRequest) => {
    handle(request).then(
      (value) => {
        const response: WorkerResponse = { id: request.id, ok: true, value }
        port.postMessage(response)
      },
      (error: unknown) => {
        const response: WorkerResponse = { id: request.id, ok: false, error: String(error) }
        port.postMessage(response)
      }
    )
  })
}
