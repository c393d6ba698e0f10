/**
 * `npm start`: runs the example application (src/App.ts) until SIGINT or SIGTERM, then closes the server, the
 * database and Redis cleanly.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { AppConfig, layer } from "./App.ts"

NodeRuntime.runMain(Effect.flatMap(AppConfig, (config) => Layer.launch(layer(config))))
