/**
 * The black-box HTTP suite (test/blackbox), run against FastAPI Users 15.0.5 itself and against effect-users'
 * example server, both configured alike — once as documented, once with `REQUIRES_VERIFICATION=1` — : the same
 * answers apart from the named §14 expectations, and no 500 from effect-users for any request.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { makeClient } from "./blackbox/Client.ts"
import type { Scenario } from "./blackbox/Scenarios.ts"
import * as Scenarios from "./blackbox/Scenarios.ts"
import type { RunningServer } from "./blackbox/Servers.ts"
import { startExample, startReference } from "./blackbox/Servers.ts"
import type { Helpers, ServerKind, Target } from "./blackbox/Support.ts"
import { makeHelpers } from "./blackbox/Support.ts"
import * as VerificationScenarios from "./blackbox/VerificationScenarios.ts"

const KINDS: ReadonlyArray<ServerKind> = ["reference", "effect-users"]

const SECRET = "black-box-suite-secret-with-32-or-more-bytes"

const start: Record<ServerKind, (secret: string, env: Record<string, string>) => Promise<RunningServer>> = {
  reference: startReference,
  "effect-users": startExample
}

const configurations: ReadonlyArray<{
  readonly name: string
  readonly env: Record<string, string>
  readonly scenarios: ReadonlyArray<Scenario>
  readonly minimumRequests: number
}> = [
  { name: "as documented", env: {}, scenarios: Scenarios.all, minimumRequests: 300 },
  {
    name: "REQUIRES_VERIFICATION=1",
    env: { REQUIRES_VERIFICATION: "1" },
    scenarios: VerificationScenarios.all,
    minimumRequests: 40
  }
]

for (const configuration of configurations) {
  for (const kind of KINDS) {
    describe(`black box against ${kind}, ${configuration.name}`, () => {
      let server: RunningServer | undefined
      let target: Target | undefined
      let helpers: Helpers | undefined

      beforeAll(async () => {
        server = await start[kind](SECRET, configuration.env)
        target = { kind, client: makeClient(server.url), secret: SECRET, expected500: new Set() }
        helpers = makeHelpers(target)
      }, 120_000)

      afterAll(async () => {
        await server?.stop()
      })

      for (const scenario of configuration.scenarios) {
        it(`${scenario.section}: ${scenario.name}`, async () => {
          if (target === undefined || helpers === undefined) throw new Error(`the ${kind} server did not start`)
          await scenario.run(target, helpers)
        }, 60_000)
      }

      it("no request answered 500, apart from the reference's 500s that named expectations predict", () => {
        if (target === undefined) throw new Error(`the ${kind} server did not start`)
        const replies = target.client.replies
        expect(replies.length).toBeGreaterThan(configuration.minimumRequests)
        const unexpected = replies.filter((reply) => reply.status >= 500 && !target?.expected500.has(reply))
        expect(unexpected.map((reply) => `${reply.method} ${reply.path} -> ${reply.status} ${reply.text}`))
          .toStrictEqual([])
        if (kind === "effect-users") expect(target.expected500.size).toBe(0)
      })
    })
  }
}
