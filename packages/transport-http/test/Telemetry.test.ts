/**
 * Tracing and metrics, read from an in-memory exporter (a recording `Tracer` and a fresh `Metric` registry) after a
 * register → verify → login run over HTTP: a server span per route (with its `http.route`) whose children are the
 * `UserManager` operations, the counters and the hash-duration histogram, a 503 counted by port, and no e-mail
 * address, password or token anywhere in the spans.
 */
import * as Mailer from "@effect-users/core/Mailer"
import * as Telemetry from "@effect-users/transport-http/Telemetry"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Metric, Option, Ref, Tracer } from "effect"
import { bearer, get, login, makeApp, outage, post } from "./utils.ts"

const spans: Array<Tracer.NativeSpan> = []
const recording = Tracer.make({
  span: (options) => {
    const span = new Tracer.NativeSpan(options)
    spans.push(span)
    return span
  }
})
const registry: Metric.MetricRegistry = new Map()

const TestApp = makeApp({ requiresVerification: false }).pipe(
  Layer.provide(Telemetry.layer),
  Layer.provide(Layer.succeed(Tracer.Tracer, recording)),
  Layer.provide(Layer.succeed(Metric.MetricRegistry, registry))
)

/** The value of the counter `name` under exactly `attributes` (0 when never incremented). */
const counter = (
  snapshots: ReadonlyArray<Metric.Metric.Snapshot>,
  name: string,
  attributes: Record<string, string>
) => {
  const found = snapshots.find((s) =>
    s.id === name && s.type === "Counter" &&
    JSON.stringify(Object.entries(s.attributes ?? {}).sort()) === JSON.stringify(Object.entries(attributes).sort())
  )
  return found?.type === "Counter" ? Number(found.state.count) : 0
}

const ended = (name: string) => spans.filter((s) => s.name === name && s.status._tag === "Ended")

describe("observability", () => {
  layer(TestApp, { excludeTestServices: true })("a register → verify → login run", (it) => {
    it.effect("spans per route and per UserManager operation, counters, the hash histogram, no secrets", () =>
      Effect.gen(function*() {
        const email = `telemetry-${Date.now()}@example.com`
        const password = "telemetry-password"
        assert.strictEqual((yield* post("/auth/register", { email, password })).status, 201)
        assert.strictEqual((yield* post("/auth/request-verify-token", { email })).status, 202)
        const sent = yield* Mailer.SentMessages
        let token = ""
        for (let i = 0; i < 100 && token === ""; i++) {
          token = (yield* Ref.get(sent)).find((m) => m.to === email && m.kind === "verify")?.token ?? ""
          if (token === "") yield* Effect.sleep("20 millis")
        }
        assert.strictEqual((yield* post("/auth/verify", { token })).status, 200)
        const ok = yield* login("bearer", email, password)
        assert.strictEqual(ok.status, 200)
        assert.strictEqual((yield* login("bearer", email, "wrong-password")).status, 400)
        const accessToken = (ok.json as { access_token: string }).access_token
        assert.strictEqual((yield* get("/users/me", bearer(accessToken))).status, 200)
        // a secret in a query string (an OAuth callback's code and state, a token) is redacted from the span's URL
        yield* get(`/protected?token=${accessToken}&code=${token}&state=${password}`, bearer(accessToken))
        outage.repository = true
        const down = yield* login("bearer", email, password).pipe(Effect.ensuring(Effect.sync(() => {
          outage.repository = false
        })))
        assert.strictEqual(down.status, 503)

        // spans: one server span per request, carrying its route; the manager's operations inside it; none for the
        // hot path (GET /users/me) unless asked for
        const servers = spans.filter((s) => s.kind === "server")
        assert.include(servers.map((s) => s.attributes.get("http.route")), "/protected")
        assert.notInclude(servers.map((s) => s.attributes.get("url.path")), "/users/me", "the hot path is untraced")
        const routes = servers.map((s) => s.attributes.get("http.route"))
        for (const route of ["/auth/register", "/auth/request-verify-token", "/auth/verify", "/auth/bearer/login"]) {
          assert.include(routes, route)
        }
        for (const name of ["UserManager.create", "UserManager.requestVerify", "UserManager.verify"]) {
          const [span] = ended(name)
          assert.isDefined(span, name)
          const parent = span === undefined ? Option.none() : span.parent
          assert.isTrue(Option.isSome(parent) && servers.some((s) => s.spanId === parent.value.spanId), name)
        }
        assert.isAtLeast(ended("UserManager.authenticate").length, 2)
        // nothing secret in any span: no address, password or token in a name or an attribute
        for (const span of spans) {
          const text = JSON.stringify([span.name, ...span.attributes.entries()])
          for (const secret of [email, password, token, accessToken]) {
            assert.notInclude(text, secret, `span ${span.name}`)
          }
        }

        // metrics
        const snapshots = yield* Metric.snapshot
        assert.strictEqual(counter(snapshots, "effect_users_registrations_total", { method: "password" }), 1)
        assert.strictEqual(counter(snapshots, "effect_users_verifications_total", { outcome: "requested" }), 1)
        assert.strictEqual(counter(snapshots, "effect_users_verifications_total", { outcome: "success" }), 1)
        assert.strictEqual(counter(snapshots, "effect_users_logins_total", { outcome: "success" }), 1)
        assert.strictEqual(
          counter(snapshots, "effect_users_logins_total", { outcome: "failure", reason: "bad_credentials" }),
          1
        )
        assert.strictEqual(counter(snapshots, "effect_users_unavailable_total", { port: "UserRepositoryError" }), 1)
        const hashes = snapshots.filter((s) => s.id === "effect_users_password_hash_duration_seconds")
        const count = (operation: string) => {
          const found = hashes.find((s) => s.attributes?.operation === operation)
          return found?.type === "Histogram" ? found.state.count : 0
        }
        assert.strictEqual(count("hash"), 1, "the registration's hash")
        assert.strictEqual(count("verify"), 2, "the two logins' verifications")
      }).pipe(Effect.provideService(Metric.MetricRegistry, registry)))
  })
})
