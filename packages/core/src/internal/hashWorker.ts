import type * as NodeRsModule from "@node-rs/argon2"
import type * as Bcrypt from "bcryptjs"
import type * as HashWasm from "hash-wasm"
import * as NodeCrypto from "node:crypto"
import { readlinkSync } from "node:fs"
import { setPriority } from "node:os"
import { parentPort, workerData } from "node:worker_threads"
import type { WorkerEngine, WorkerRequest, WorkerResponse, WorkerSettings } from "./workerProtocol.ts"

// A worker thread of the hasher: it computes Argon2 (with @node-rs/argon2 or Node's crypto.argon2Sync when the main
// thread found them, hash-wasm otherwise) and checks bcrypt hashes with bcryptjs, so that no hash ever runs on the
// event loop or on libuv's thread pool (which DNS, file I/O and WebCrypto share). bcryptjs' own async API would
// not do: it runs on the main thread in slices of up to 100 ms.

const isSettings = (value: unknown): value is WorkerSettings =>
  typeof value === "object" && value !== null && "niceness" in value && typeof value.niceness === "number"

// Linux schedules threads, not processes: the thread lowers its own priority (its id is the last segment of
// /proc/thread-self), so under load the kernel gives the cores to the event loop (and the database) first and the
// hashes take what is left, while an idle server still hashes on every core. Lowering one's priority needs no
// privilege; elsewhere (no /proc) the thread runs at the process's priority.
const lowerPriority = (niceness: number) => {
  if (niceness === 0) return
  try {
    const thread = Number(readlinkSync("/proc/thread-self").split("/").pop())
    if (Number.isSafeInteger(thread) && thread > 0) setPriority(thread, niceness)
  } catch {
    // not Linux, or /proc is not mounted: nothing to lower
  }
}

lowerPriority(isSettings(workerData) ? workerData.niceness : 0)

const nodeRsAlgorithm = { argon2d: 0, argon2i: 1, argon2id: 2 } as const

// Each engine is loaded on first use: a thread holds only the one it computes with (and bcryptjs once a legacy hash
// is checked), which keeps every thread's isolate small.
let nodeRs: Promise<typeof NodeRsModule> | undefined
let hashWasm: Promise<typeof HashWasm> | undefined
let bcrypt: Promise<typeof Bcrypt> | undefined

const argon2 = async (request: Extract<WorkerRequest, { op: "argon2" }>, engine: WorkerEngine) => {
  switch (engine) {
    case "node-rs": {
      nodeRs ??= import("@node-rs/argon2")
      const module = await nodeRs
      return new Uint8Array(module.hashRawSync(request.password, {
        algorithm: nodeRsAlgorithm[request.variant],
        // `Version` is a const enum (TS2748 under verbatimModuleSyntax): V0x10 is 0, V0x13 is 1
        version: request.version === 0x10 ? 0 : 1,
        memoryCost: request.memoryCost,
        timeCost: request.timeCost,
        parallelism: request.parallelism,
        outputLen: request.length,
        salt: request.salt
      }))
    }
    case "native":
      return new Uint8Array(NodeCrypto.argon2Sync(request.variant, {
        message: request.password,
        nonce: request.salt,
        memory: request.memoryCost,
        passes: request.timeCost,
        parallelism: request.parallelism,
        tagLength: request.length
      }))
    case "hash-wasm": {
      hashWasm ??= import("hash-wasm")
      const module = await hashWasm
      const wasm = { argon2id: module.argon2id, argon2i: module.argon2i, argon2d: module.argon2d } as const
      return wasm[request.variant]({
        password: request.password,
        salt: request.salt,
        memorySize: request.memoryCost,
        iterations: request.timeCost,
        parallelism: request.parallelism,
        hashLength: request.length,
        outputType: "binary"
      })
    }
  }
}

const handle = async (request: WorkerRequest): Promise<Uint8Array | boolean> => {
  switch (request.op) {
    case "argon2":
      return argon2(request, request.engine)
    case "bcrypt": {
      bcrypt ??= import("bcryptjs")
      const module = await bcrypt
      return module.default.compareSync(request.password, request.hash)
    }
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
