/**
 * Ceiling 3: effect's own HTTP stack with no work: `HttpRouter` with one route answering the static JSON body of a
 * `GET /users/me` through `@effect/platform-node`'s `NodeHttpServer`. What any effect application pays per request
 * before doing anything (the framework's share of the cached read path).
 *
 * Environment: PORT (required), BODY (the JSON body to answer).
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"

const body = process.env.BODY ?? "{}"
const route = HttpRouter.add(
  "GET",
  "/users/me",
  Effect.succeed(HttpServerResponse.text(body, { contentType: "application/json" }))
)
const server = HttpRouter.serve(route, { disableLogger: true, disableListenLog: true }).pipe(
  Layer.provide(NodeHttpServer.layer(createServer, { port: Number(process.env.PORT), host: "127.0.0.1" }))
)
NodeRuntime.runMain(Layer.launch(server))
