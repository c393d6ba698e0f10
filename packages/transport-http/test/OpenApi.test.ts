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
  readonly components: { readonly securitySchemes: Record<string, unknown> }
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
        assert.includeMembers(Object.keys(me.responses), ["200", "401", "403", "503"])
        const byId = spec.paths["/users/{id}"]["patch"]
        assert.includeMembers(Object.keys(byId.responses), ["200", "400", "401", "403", "404", "422", "503"])
        const login = spec.paths["/auth/bearer/login"]["post"]
        assert.includeMembers(Object.keys(login.responses), ["200", "400", "422"])
        assert.deepStrictEqual(Object.keys(login.requestBody?.content ?? {}), ["application/x-www-form-urlencoded"])
        assert.includeMembers(Object.keys(spec.paths["/auth/cookie/login"]["post"].responses), ["204"])
        assert.includeMembers(Object.keys(spec.paths["/auth/register"]["post"].responses), ["201", "400", "422"])
        assert.includeMembers(Object.keys(spec.paths["/auth/forgot-password"]["post"].responses), ["202", "422"])
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
