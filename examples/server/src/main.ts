/**
 * `npm start`: runs the example application (src/App.ts) until SIGINT or SIGTERM, then drains and exits 0: the
 * socket stops accepting, the requests in flight finish (within `SHUTDOWN_TIMEOUT`, 10 s), the pending mail is sent
 * (the delivery queue's 5 s), and the database and Redis close. A failure to start exits 1.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit, Layer } from "effect"
import * as Runtime from "effect/Runtime"
import { AppConfig, layer } from "./App.ts"

// The server runs until interrupted, and only a signal interrupts it: a stop asked for is a success for a process
// manager (systemd, Kubernetes, Docker read 130 as a failure), once every finalizer has run.
const teardown: Runtime.Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)

NodeRuntime.runMain(Effect.flatMap(AppConfig, (config) => Layer.launch(layer(config))), { teardown })
