/**
 * The example exporting over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT) to a stand-in collector started here: after a
 * register → verify → login run the collector has the route and `UserManager` spans and the effect-users counters,
 * and nothing it received holds the address, the password or a token.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { createServer, type Server } from "node:http"
import { freePort, type RunningServer, startExample } from "./blackbox/Servers.ts"

const received: Record<string, Array<string>> = { "/v1/traces": [], "/v1/metrics": [], "/v1/logs": [] }
let collector: Server
let api: RunningServer

beforeAll(async () => {
  collector = createServer((request, response) => {
    let body = ""
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")))
    request.on("end", () => {
      ;(received[request.url ?? ""] ??= []).push(body)
      response.writeHead(200, { "content-type": "application/json" })
      response.end("{}")
    })
  })
  const port = await freePort()
  await new Promise<void>((resolve) => collector.listen(port, "127.0.0.1", resolve))
  api = await startExample("otlp-secret-with-32-or-more-bytes-long", {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORT_INTERVAL: "300 millis"
  })
}, 120_000)

afterAll(async () => {
  await api?.stop()
  await new Promise((resolve) => collector?.close(resolve))
})

const post = (path: string, body: unknown) =>
  fetch(`${api.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body)
  })

interface OtlpSpan {
  readonly name: string
  readonly attributes?: ReadonlyArray<{ readonly key: string; readonly value: { readonly stringValue?: string } }>
}

const spansOf = (bodies: ReadonlyArray<string>): Array<OtlpSpan> =>
  bodies.flatMap((body) =>
    (JSON.parse(body) as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<OtlpSpan> }> }>
    }).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))
  )

const metricNames = (bodies: ReadonlyArray<string>): Set<string> =>
  new Set(bodies.flatMap((body) =>
    (JSON.parse(body) as {
      resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Array<{ name: string }> }> }>
    }).resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name)))
  ))

describe("examples/server with OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  it("exports the spans and counters of a register → verify → login run, and no secret", async () => {
    const email = `otlp-${Date.now()}@example.com`
    const password = "otlp-password"
    expect((await post("/auth/register", { email, password })).status).toBe(201)
    expect((await post("/auth/request-verify-token", { email })).status).toBe(202)
    let token: string | null = null
    for (let i = 0; i < 100 && token === null; i++) {
      const tokens = await fetch(`${api.url}/__test__/tokens?email=${encodeURIComponent(email)}`)
      token = ((await tokens.json()) as { verify: string | null }).verify
      if (token === null) await new Promise((r) => setTimeout(r, 50))
    }
    expect(token).not.toBeNull()
    expect((await post("/auth/verify", { token })).status).toBe(200)
    const login = await fetch(`${api.url}/auth/jwt/login`, {
      method: "POST",
      body: new URLSearchParams({ username: email, password })
    })
    expect(login.status).toBe(200)
    const { access_token } = (await login.json()) as { access_token: string }

    const wanted = ["UserManager.create", "UserManager.requestVerify", "UserManager.verify", "UserManager.authenticate"]
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      const names = new Set(spansOf(received["/v1/traces"] ?? []).map((s) => s.name))
      const metrics = metricNames(received["/v1/metrics"] ?? [])
      if (wanted.every((n) => names.has(n)) && metrics.has("effect_users_logins_total")) break
      await new Promise((r) => setTimeout(r, 200))
    }
    const spans = spansOf(received["/v1/traces"] ?? [])
    const names = new Set(spans.map((s) => s.name))
    for (const name of wanted) expect(names, name).toContain(name)
    const routes = spans.flatMap((s) => (s.attributes ?? []).filter((a) => a.key === "http.route"))
      .map((a) => a.value.stringValue)
    expect(routes).toContain("/auth/register")
    expect(routes).toContain("/auth/jwt/login")
    const metrics = metricNames(received["/v1/metrics"] ?? [])
    for (
      const name of [
        "effect_users_registrations_total",
        "effect_users_verifications_total",
        "effect_users_logins_total",
        "effect_users_password_hash_duration_seconds"
      ]
    ) expect(metrics, name).toContain(name)
    const everything = [...(received["/v1/traces"] ?? []), ...(received["/v1/metrics"] ?? [])].join("\n")
    for (const secret of [email, password, token ?? "-", access_token]) expect(everything).not.toContain(secret)
  }, 90_000)
})
