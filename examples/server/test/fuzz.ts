/**
 * Schemathesis (from PyPI, in the virtual environment scripts/reference/schemathesis/venv.sh creates and caches) over
 * the example server's `/openapi.json`, every operation, three times: anonymous, as a user and as a superuser (each a
 * bearer token of its own account). Left to itself, the superuser's run finds its own id (`GET /users/me`) and
 * deletes itself through `DELETE /users/{id}` within seconds, so its `{id}` is pinned (a schemathesis config file's
 * `parameters`) to a separate target account, which it may demote and delete at will; a fourth run fuzzes the free
 * `{id}` of the superuser's read-only `GET /users/{id}`. The end checks that the superuser is still there and still a
 * superuser.
 *
 * Zero failures of these checks: `not_a_server_error` (no 5xx but a documented 503), the responses' status codes,
 * content types, headers and bodies against the document, the required-header, unsupported-method, authentication
 * and use-after-free checks. Left out, with the reason:
 * - `negative_data_rejection`: FastAPI Users ignores unknown properties (the document does not forbid them) and
 *   accepts e.g. any string as a token field, so "schema-violating" bodies are rightly answered 2xx;
 * - `positive_data_acceptance`: a schema-valid body is often rightly refused (a wrong password is a 400, an address on
 *   a special-use domain a 422 as email-validator refuses it);
 * - `allow_header_conformance`: a 405 lists only the first matching route's method in `Allow`, as Starlette's router
 *   does (the black-box suite pins it against FastAPI).
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import type { RunningServer } from "./blackbox/Servers.ts"
import { root, startExample } from "./blackbox/Servers.ts"
import { accessToken, call } from "./httpRaces.ts"

const SECRET = "fuzz-secret-with-32-or-more-bytes-0123456"
const PASSWORD = "fuzz-password"

const CHECKS = [
  "not_a_server_error",
  "status_code_conformance",
  "content_type_conformance",
  "response_headers_conformance",
  "response_schema_conformance",
  "missing_required_header",
  "unsupported_method",
  "use_after_free",
  "ensure_resource_availability",
  "ignored_auth"
]

/** The `st` command of the cached virtual environment (created on first use, about a minute). */
const schemathesis = async (): Promise<string> => {
  const { stdout } = await promisify(execFile)("bash", [join(root, "scripts/reference/schemathesis/venv.sh")], {
    cwd: root,
    timeout: 600_000
  })
  return stdout.trim()
}

/** The failures a run's NDJSON report lists (one line per event; failures are in the scenario events' checks). */
const failuresOf = (dir: string): Array<string> => {
  const failures: Array<string> = []
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".ndjson"))) {
    for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
      if (line.trim() === "") continue
      const text = line
      // each failed check is reported with its title and the response; keep a readable summary of it
      if (/"failures?":\s*\[\s*\{/u.test(text) || /"status":\s*"failure"/u.test(text)) {
        failures.push(text.slice(0, 2_000))
      }
    }
  }
  return failures
}

/** The fuzzing suite: `seconds` of schemathesis per identity. */
export const fuzzSuite = (seconds: number) =>
  describe(`schemathesis over /openapi.json, ${seconds} s per identity`, () => {
    let server: RunningServer | undefined
    let st = ""
    const tokens = new Map<string, string>()
    const ids = new Map<string, string>()
    let targetId = ""

    beforeAll(async () => {
      st = await schemathesis()
      // the embedded database; the Redis backend on the test Redis when it is there
      // (the hash threads at the process's own priority: on a loaded machine, niced ones can take longer than a request
      // timeout, which is not what this test is about)
      server = await startExample(SECRET, {
        PASSWORD_HASH_NICENESS: "0",
        ...(process.env.REDIS_URL === undefined ? {} : { REDIS_URL: process.env.REDIS_URL })
      })
      const base = server.url
      const userEmail = `fuzz.user.${Date.now()}@example.com`
      assert.strictEqual(
        (await call(base, "POST", "/auth/register", { json: { email: userEmail, password: PASSWORD } })).status,
        201
      )
      tokens.set(
        "user",
        accessToken(await call(base, "POST", "/auth/jwt/login", { form: { username: userEmail, password: PASSWORD } }))
      )
      // two superusers: one for the non-destructive run, one for PATCH and DELETE of /users/{id}
      for (const identity of ["superuser", "destroyer"]) {
        const email = `fuzz.${identity}.${Date.now()}@example.com`
        const created = await call(base, "POST", "/__test__/superuser", { json: { email, password: PASSWORD } })
        assert.strictEqual(created.status, 201)
        ids.set(identity, (JSON.parse(created.text) as { id: string }).id)
        tokens.set(
          identity,
          accessToken(await call(base, "POST", "/auth/jwt/login", { form: { username: email, password: PASSWORD } }))
        )
      }
      // the account the destroyer's PATCH and DELETE of /users/{id} aim at
      const target = await call(base, "POST", "/auth/register", {
        json: { email: `fuzz.target.${Date.now()}@example.com`, password: PASSWORD }
      })
      assert.strictEqual(target.status, 201)
      targetId = (JSON.parse(target.text) as { id: string }).id
    }, 900_000)

    afterAll(async () => {
      await server?.stop()
    })

    const only = process.env.FUZZ_IDENTITY
    /** The identity's account is still there and still a superuser: the fuzzer did not delete or demote it. */
    const survived = async (identity: string) => {
      if (server === undefined) throw new Error("the server did not start")
      const me = await call(server.url, "GET", "/users/me", { bearer: tokens.get(identity) ?? "" })
      if (me.status !== 200) {
        // what became of it, seen by another superuser
        const other = `fuzz.witness.${Date.now()}@example.com`
        await call(server.url, "POST", "/__test__/superuser", { json: { email: other, password: PASSWORD } })
        const witness = accessToken(
          await call(server.url, "POST", "/auth/jwt/login", { form: { username: other, password: PASSWORD } })
        )
        const seen = await call(server.url, "GET", `/users/${ids.get(identity) ?? ""}`, { bearer: witness })
        assert.fail(`${identity}'s token is refused (${me.status}); its account: ${seen.status} ${seen.text}`)
      }
      assert.isTrue((JSON.parse(me.text) as { is_superuser: boolean }).is_superuser)
    }

    const destructive = [
      "users_patch_user_users__id__patch",
      "users_delete_user_users__id__delete",
      "users_patch_user_users_rv__id__patch",
      "users_delete_user_users_rv__id__delete"
    ]
    const runs: ReadonlyArray<
      { name: string; identity: string; filters: ReadonlyArray<string>; pinned?: boolean; survives?: boolean }
    > = [
      { name: "anonymous", identity: "anonymous", filters: [] },
      { name: "user", identity: "user", filters: [] },
      {
        name: "superuser, every operation but PATCH and DELETE of /users/{id}",
        identity: "superuser",
        filters: destructive.flatMap((id) => ["--exclude-operation-id", id]),
        survives: true
      },
      {
        name: "another superuser, PATCH and DELETE of /users/{id}, {id} pinned to a target account",
        identity: "destroyer",
        filters: destructive.flatMap((id) => ["--include-operation-id", id]),
        pinned: true,
        survives: true
      }
    ]
    for (const run of runs.filter((r) => only === undefined || r.identity === only || r.name.startsWith(only))) {
      it(`${run.name}: no 5xx and no answer that violates the document`, async () => {
        if (server === undefined) throw new Error("the server did not start")
        const report = mkdtempSync(join(tmpdir(), "effect-users-fuzz-"))
        const token = tokens.get(run.identity)
        const config = join(report, "schemathesis.toml")
        writeFileSync(config, run.pinned === true ? `parameters = { "path.id" = "${targetId}" }\n` : "")
        const args = [
          "--config-file",
          config,
          "run",
          `${server.url}/openapi.json`,
          "--checks",
          CHECKS.join(","),
          "--phases",
          "examples,coverage,fuzzing",
          "--max-time",
          String(seconds),
          "--workers",
          "2",
          "--request-timeout",
          "60",
          "--seed",
          "13",
          "--no-color",
          "--generation-database",
          "none",
          "--report",
          "ndjson",
          "--report-dir",
          report,
          ...run.filters,
          ...(token === undefined ? [] : ["--header", `Authorization: Bearer ${token}`])
        ]
        // (in the report's directory: schemathesis writes its .schemathesis cache where it runs)
        const outcome = await promisify(execFile)(st, args, {
          cwd: report,
          timeout: (seconds + 120) * 1000,
          maxBuffer: 64 * 1024 * 1024
        })
          .then((r) => ({ code: 0, stdout: r.stdout }))
          .catch((error: { code?: number; stdout?: string }) => ({
            code: error.code ?? -1,
            stdout: error.stdout ?? ""
          }))
        const summary = outcome.stdout.split("\n").filter((line) =>
          /SUMMARY|Failures|❌|✅|failures|passed|Test cases|generated/u.test(line)
        )
        console.log(`${run.name}:\n${summary.join("\n")}`)
        assert.strictEqual(outcome.code, 0, `${outcome.stdout.slice(-20_000)}\n${failuresOf(report).join("\n")}`)
        if (run.survives === true) await survived(run.identity)
      }, (seconds + 300) * 1000)
    }
  })
