import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { get, makeApp } from "./utils.ts"

type Operation = {
  readonly security?: ReadonlyArray<Record<string, ReadonlyArray<string>>>
  readonly responses: Record<string, unknown>
  readonly requestBody?: { readonly content: Record<string, unknown> }
}
type Spec = {
  readonly openapi: string
  readonly info: { readonly title: string }
  readonly paths: Record<string, Record<string, Operation>>
  readonly components: {
    readonly securitySchemes: Record<string, unknown>
    readonly schemas: Record<string, { readonly properties?: Record<string, Record<string, unknown>> }>
  }
}

/** Deliberate difference Q16 (docs/moving-from-fastapi-users.md): exactly what each route answers (`rv`: the router requires verification). */
const expected = (rv: boolean): Record<string, ReadonlyArray<string>> => {
  const forbidden = rv ? ["403"] : []
  return {
    "post /auth/bearer/login": ["200", "400", "422", "503"],
    "post /auth/bearer/logout": ["204", "401", ...forbidden, "503"],
    "post /auth/cookie/login": ["204", "400", "422", "503"],
    "post /auth/cookie/logout": ["204", "401", ...forbidden, "503"],
    "post /auth/register": ["201", "400", "422", "503"],
    // 400: a body that is not UTF-8 (FastAPI's "There was an error parsing the body"); schemathesis found it undocumented
    "post /auth/request-verify-token": ["202", "400", "422", "503"],
    "post /auth/verify": ["200", "400", "422", "503"],
    "post /auth/forgot-password": ["202", "400", "422", "503"],
    "post /auth/reset-password": ["200", "400", "422", "503"],
    "get /users/me": ["200", "401", ...forbidden, "503"],
    "patch /users/me": ["200", "400", "401", ...forbidden, "422", "503"],
    "get /users/{id}": ["200", "401", "403", "404", "503"],
    "patch /users/{id}": ["200", "400", "401", "403", "404", "422", "503"],
    "delete /users/{id}": ["204", "401", "403", "404", "503"]
  }
}

const statuses = (spec: Spec) => {
  const out: Record<string, ReadonlyArray<string>> = {}
  for (const [path, operations] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (path.startsWith("/auth") || path.startsWith("/users")) {
        out[`${method} ${path}`] = Object.keys(operation.responses).sort()
      }
    }
  }
  return out
}

describe("OpenAPI document and docs page", () => {
  layer(makeApp({ requiresVerification: false }))((it) => {
    it.effect("/openapi.json: 3.1, the bearer password flow and the cookie, secured routes, typed errors", () =>
      Effect.gen(function*() {
        const reply = yield* get("/openapi.json")
        assert.strictEqual(reply.status, 200)
        const spec = reply.json as Spec
        assert.strictEqual(spec.openapi, "3.1.0")
        assert.strictEqual(spec.info.title, "effect-users test")
        assert.deepStrictEqual(spec.components.securitySchemes["OAuth2PasswordBearer"], {
          type: "oauth2",
          flows: { password: { scopes: {}, tokenUrl: "auth/bearer/login" } }
        })
        assert.deepStrictEqual(spec.components.securitySchemes["APIKeyCookie"], {
          type: "apiKey",
          in: "cookie",
          name: "fastapiusersauth"
        })
        const me = spec.paths["/users/me"]["get"]
        assert.deepStrictEqual(me.security, [{ OAuth2PasswordBearer: [] }, { APIKeyCookie: [] }])
        assert.deepStrictEqual(statuses(spec), expected(false))
        // named components, no `…Encoded` names, e-mails with their format, the 422 as the bodies are
        const names = Object.keys(spec.components.schemas)
        assert.includeMembers(names, ["UserRead", "UserCreate", "UserUpdate", "HTTPValidationError", "ErrorModel"])
        assert.isFalse(names.some((name) => name.endsWith("Encoded")), names.join(", "))
        assert.strictEqual(spec.components.schemas["UserCreate"].properties?.["email"]["format"], "email")
        assert.deepStrictEqual(spec.components.schemas["UserUpdate"].properties?.["is_active"], { type: "boolean" })
        assert.includeMembers(
          Object.keys(spec.components.schemas["ValidationError"].properties ?? {}),
          ["type", "loc", "msg", "input", "ctx"]
        )
        for (const [path, operations] of Object.entries(spec.paths)) {
          for (const [method, operation] of Object.entries(operations)) {
            if (path.startsWith("/auth") || path.startsWith("/users")) {
              assert.isString((operation as { readonly summary?: string }).summary, `${method} ${path}`)
            }
          }
        }
        const login = spec.paths["/auth/bearer/login"]["post"]
        assert.deepStrictEqual(Object.keys(login.requestBody?.content ?? {}), ["application/x-www-form-urlencoded"])
        const protectedOp = spec.paths["/protected"]["get"]
        assert.isDefined(protectedOp.responses["401"])
        // the application's guarded endpoints carry the backends' schemes, so the docs page sends the token
        assert.deepStrictEqual(protectedOp.security, [{ OAuth2PasswordBearer: [] }, { APIKeyCookie: [] }])
        assert.deepStrictEqual(spec.paths["/auth/register"]["post"].security, [])
      }))

    it.effect("/docs: Swagger UI with its assets inline (no CDN) and the document embedded", () =>
      Effect.gen(function*() {
        const reply = yield* get("/docs")
        assert.strictEqual(reply.status, 200)
        assert.match(String(reply.headers["content-type"]), /text\/html/u)
        assert.include(reply.text, "SwaggerUIBundle")
        assert.include(reply.text, "OAuth2PasswordBearer")
        assert.notMatch(reply.text, /<(script|link)[^>]+(src|href)=["']?https?:/u)
      }))
  })
})

describe("OpenAPI document of routers requiring verification", () => {
  layer(makeApp({ requiresVerification: true }))((it) => {
    it.effect("documents the 403 of the verification requirement", () =>
      Effect.gen(function*() {
        const reply = yield* get("/openapi.json")
        assert.deepStrictEqual(statuses(reply.json as Spec), expected(true))
      }))
  })
})
