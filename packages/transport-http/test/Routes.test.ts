/**
 * Every route, status and code of FastAPI Users 15.0.5 over a real server, with core's in-memory layers.
 */
import * as UserManager from "@effect-users/core/UserManager"
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClientRequest } from "effect/http"
import {
  bearer,
  createUser,
  del,
  freshEmail,
  get,
  loggedIn,
  login,
  makeApp,
  patch,
  post,
  postRaw,
  type Reply,
  send,
  sentMessages,
  tokenFor
} from "./utils.ts"

const locs = (reply: Reply) =>
  (reply.json as { detail: Array<{ loc: Array<string | number> }> }).detail.map((d) => d.loc)
const types = (reply: Reply) => (reply.json as { detail: Array<{ type: string }> }).detail.map((d) => d.type)

const userKeys = ["email", "id", "is_active", "is_superuser", "is_verified"]

describe("routes (requiresVerification: false)", () => {
  layer(makeApp({ requiresVerification: false }))((it) => {
    describe("POST /auth/register", () => {
      it.effect("201 with the read model; flags in the body are ignored; no hashed_password", () =>
        Effect.gen(function*() {
          const email = freshEmail()
          const reply = yield* post("/auth/register", {
            email,
            password: "secret",
            is_superuser: true,
            is_verified: true,
            is_active: false,
            unknown: 1
          })
          assert.strictEqual(reply.status, 201)
          const body = reply.json as Record<string, unknown>
          assert.deepStrictEqual(Object.keys(body).sort(), userKeys)
          assert.deepStrictEqual([body.email, body.is_active, body.is_superuser, body.is_verified], [
            email,
            true,
            false,
            false
          ])
          assert.match(String(body.id), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u)
        }))

      it.effect("400 REGISTER_USER_ALREADY_EXISTS, case-insensitively", () =>
        Effect.gen(function*() {
          const email = freshEmail()
          yield* post("/auth/register", { email, password: "secret" })
          const reply = yield* post("/auth/register", { email: email.toUpperCase(), password: "secret" })
          assert.deepStrictEqual([reply.status, reply.json], [400, { detail: "REGISTER_USER_ALREADY_EXISTS" }])
        }))

      it.effect("400 {code: REGISTER_INVALID_PASSWORD, reason}, checked before the duplicate e-mail", () =>
        Effect.gen(function*() {
          const email = freshEmail()
          yield* post("/auth/register", { email, password: "secret" })
          const reply = yield* post("/auth/register", { email, password: "ab" })
          assert.deepStrictEqual([reply.status, reply.json], [400, {
            detail: { code: "REGISTER_INVALID_PASSWORD", reason: "Password should be at least 3 characters" }
          }])
        }))

      it.effect("422 with a loc per invalid field", () =>
        Effect.gen(function*() {
          const both = yield* post("/auth/register", {})
          assert.strictEqual(both.status, 422)
          assert.deepStrictEqual(locs(both), [["body", "email"], ["body", "password"]])
          assert.deepStrictEqual(types(both), ["missing", "missing"])
          const bad = yield* post("/auth/register", { email: "not-an-email", password: 3 })
          assert.strictEqual(bad.status, 422)
          assert.deepStrictEqual(locs(bad), [["body", "email"], ["body", "password"]])
          const nullEmail = yield* post("/auth/register", { email: null, password: "secret" })
          assert.deepStrictEqual([nullEmail.status, locs(nullEmail)], [422, [["body", "email"]]])
          const notObject = yield* post("/auth/register", ["a"])
          assert.deepStrictEqual([notObject.status, locs(notObject)], [422, [["body"]]])
          const empty = yield* postRaw("/auth/register", "", "application/json")
          assert.deepStrictEqual([empty.status, locs(empty), types(empty)], [422, [["body"]], ["missing"]])
          const form = yield* postRaw(
            "/auth/register",
            "email=a%40b.co&password=x",
            "application/x-www-form-urlencoded"
          )
          assert.deepStrictEqual([form.status, locs(form)], [422, [["body"]]])
        }))

      it.effect("the reference's 422 bodies, byte for byte (observed on FastAPI Users 15.0.5)", () =>
        Effect.gen(function*() {
          const email = yield* post("/auth/register", { email: "bad", password: 3 })
          assert.deepStrictEqual(email.json, {
            detail: [
              {
                type: "value_error",
                loc: ["body", "email"],
                msg: "value is not a valid email address: An email address must have an @-sign.",
                input: "bad",
                ctx: { reason: "An email address must have an @-sign." }
              },
              { type: "string_type", loc: ["body", "password"], msg: "Input should be a valid string", input: 3 }
            ]
          })
          const missing = yield* post("/auth/register", {})
          assert.deepStrictEqual(missing.json, {
            detail: [
              { type: "missing", loc: ["body", "email"], msg: "Field required", input: {} },
              { type: "missing", loc: ["body", "password"], msg: "Field required", input: {} }
            ]
          })
          const truncated = yield* postRaw("/auth/register", "{\"email\": ", "application/json")
          assert.deepStrictEqual(truncated.json, {
            detail: [{
              type: "json_invalid",
              loc: ["body", 10],
              msg: "JSON decode error",
              input: {},
              ctx: { error: "Expecting value" }
            }]
          })
          const property = yield* postRaw("/auth/register", "{bad", "application/json")
          assert.deepStrictEqual(property.json, {
            detail: [{
              type: "json_invalid",
              loc: ["body", 1],
              msg: "JSON decode error",
              input: {},
              ctx: { error: "Expecting property name enclosed in double quotes" }
            }]
          })
          const grant = yield* postRaw(
            "/auth/bearer/login",
            "grant_type=client_credentials&username=&password=x",
            "application/x-www-form-urlencoded"
          )
          assert.deepStrictEqual(grant.json, {
            detail: [
              {
                type: "string_pattern_mismatch",
                loc: ["body", "grant_type"],
                msg: "String should match pattern '^password$'",
                input: "client_credentials",
                ctx: { pattern: "^password$" }
              },
              { type: "missing", loc: ["body", "username"], msg: "Field required", input: null }
            ]
          })
          const flag = yield* post("/auth/register", { email: freshEmail(), password: "abc", is_active: 3 })
          assert.deepStrictEqual(flag.json, {
            detail: [{
              type: "bool_parsing",
              loc: ["body", "is_active"],
              msg: "Input should be a valid boolean, unable to interpret input",
              input: 3
            }]
          })
        }))

      it.effect("register takes pydantic's lax booleans and null flags (then drops them: safe mode)", () =>
        Effect.gen(function*() {
          const lax = yield* post("/auth/register", {
            email: freshEmail(),
            password: "abc",
            is_active: "true",
            is_verified: 1,
            is_superuser: null
          })
          assert.strictEqual(lax.status, 201)
          assert.strictEqual((lax.json as { is_verified: boolean }).is_verified, false)
        }))

      it.effect("malformed JSON: 422 json_invalid at [\"body\", position]", () =>
        Effect.gen(function*() {
          const reply = yield* postRaw("/auth/register", "{\"email\": ", "application/json")
          assert.strictEqual(reply.status, 422)
          assert.deepStrictEqual(types(reply), ["json_invalid"])
          const loc = locs(reply)[0]
          assert.strictEqual(loc[0], "body")
          assert.isNumber(loc[1])
        }))
    })

    describe("POST /auth/{backend}/login", () => {
      it.effect("bearer: 200 {access_token, token_type: bearer}", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          const reply = yield* login("bearer", email, "secret")
          assert.strictEqual(reply.status, 200)
          assert.strictEqual(reply.headers["content-type"], "application/json")
          const body = reply.json as { access_token: string; token_type: string }
          assert.deepStrictEqual(Object.keys(body), ["access_token", "token_type"])
          assert.strictEqual(body.token_type, "bearer")
          assert.isTrue(body.access_token.length > 0)
        }))

      it.effect("cookie: 204, empty body, exactly the reference's Set-Cookie", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          const reply = yield* login("cookie", email, "secret")
          assert.strictEqual(reply.status, 204)
          assert.strictEqual(reply.text, "")
          assert.match(
            String(reply.headers["set-cookie"]),
            /^fastapiusersauth=[A-Za-z0-9_-]+; HttpOnly; Path=\/; SameSite=lax; Secure$/u
          )
        }))

      it.effect("onAfterLogin fires after a successful login only", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          yield* login("bearer", email, "wrong")
          assert.notInclude(loggedIn, email)
          yield* login("cookie", email, "secret")
          assert.include(loggedIn, email)
        }))

      it.effect("multipart/form-data is accepted too", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          const form = new FormData()
          form.append("username", email)
          form.append("password", "secret")
          const reply = yield* send(
            HttpClientRequest.post("/auth/bearer/login").pipe(HttpClientRequest.bodyFormData(form))
          )
          assert.strictEqual(reply.status, 200)
          const empty = new FormData()
          empty.append("username", "")
          const missing = yield* send(
            HttpClientRequest.post("/auth/bearer/login").pipe(HttpClientRequest.bodyFormData(empty))
          )
          assert.deepStrictEqual([missing.status, locs(missing)], [422, [["body", "username"], ["body", "password"]]])
        }))

      it.effect("the e-mail is case-insensitive; username is not trimmed", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          assert.strictEqual((yield* login("bearer", email.toUpperCase(), "secret")).status, 200)
          const spaced = yield* login("bearer", ` ${email}`, "secret")
          assert.deepStrictEqual([spaced.status, spaced.json], [400, { detail: "LOGIN_BAD_CREDENTIALS" }])
        }))

      it.effect("400 LOGIN_BAD_CREDENTIALS: unknown e-mail, wrong password, inactive user", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          const inactive = yield* createUser({ is_active: false })
          for (
            const reply of [
              yield* login("bearer", freshEmail(), "secret"),
              yield* login("bearer", email, "wrong"),
              yield* login("bearer", inactive.email, "secret"),
              yield* login("cookie", inactive.email, "secret")
            ]
          ) {
            assert.deepStrictEqual([reply.status, reply.json], [400, { detail: "LOGIN_BAD_CREDENTIALS" }])
          }
        }))

      it.effect("an unverified user logs in without requiresVerification", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser({ is_verified: false })
          assert.strictEqual((yield* login("bearer", email, "secret")).status, 200)
        }))

      it.effect("422: empty or missing username/password, bad grant_type, a JSON body", () =>
        Effect.gen(function*() {
          const empty = yield* login("bearer", "", "")
          assert.deepStrictEqual([empty.status, locs(empty), types(empty)], [422, [["body", "username"], [
            "body",
            "password"
          ]], ["missing", "missing"]])
          const grant = yield* postRaw(
            "/auth/bearer/login",
            "grant_type=client_credentials&username=a%40b.co&password=x",
            "application/x-www-form-urlencoded"
          )
          assert.deepStrictEqual([grant.status, locs(grant), types(grant)], [422, [["body", "grant_type"]], [
            "string_pattern_mismatch"
          ]])
          const json = yield* post("/auth/bearer/login", { username: "a@b.co", password: "x" })
          assert.deepStrictEqual([json.status, locs(json)], [422, [["body", "username"], ["body", "password"]]])
          const ok = yield* postRaw(
            "/auth/bearer/login",
            "grant_type=password&username=nobody%40example.com&password=x&scope=&client_id=a",
            "application/x-www-form-urlencoded"
          )
          assert.deepStrictEqual([ok.status, ok.json], [400, { detail: "LOGIN_BAD_CREDENTIALS" }])
        }))
    })

    describe("POST /auth/{backend}/logout", () => {
      it.effect("bearer: 204 empty; the token is destroyed by the route's own strategy", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          const token = yield* tokenFor(email)
          const reply = yield* post("/auth/bearer/logout", undefined, bearer(token))
          assert.deepStrictEqual([reply.status, reply.text], [204, ""])
          assert.strictEqual((yield* get("/users/me", bearer(token))).status, 401)
        }))

      it.effect("cookie: 204 with a clearing Set-Cookie", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          const loggedIn = yield* login("cookie", email, "secret")
          const cookie = String(loggedIn.headers["set-cookie"]).split(";")[0]
          const reply = yield* post("/auth/cookie/logout", undefined, { cookie })
          assert.strictEqual(reply.status, 204)
          assert.strictEqual(
            reply.headers["set-cookie"],
            "fastapiusersauth=\"\"; HttpOnly; Max-Age=0; Path=/; SameSite=lax; Secure"
          )
          assert.strictEqual((yield* get("/users/me", { cookie })).status, 401)
        }))

      it.effect("the guard looks at every backend (Q6): a bearer token logs out of the cookie route", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          const token = yield* tokenFor(email)
          const reply = yield* post("/auth/cookie/logout", undefined, bearer(token))
          assert.strictEqual(reply.status, 204)
          // destroyed by the cookie strategy only: the bearer token still works
          assert.strictEqual((yield* get("/users/me", bearer(token))).status, 200)
        }))

      it.effect("401 without a token, with a bad token, or for an inactive user", () =>
        Effect.gen(function*() {
          const none = yield* post("/auth/bearer/logout", undefined)
          assert.deepStrictEqual([none.status, none.json], [401, { detail: "Unauthorized" }])
          assert.isUndefined(none.headers["www-authenticate"])
          const bad = yield* post("/auth/bearer/logout", undefined, bearer("nope"))
          assert.strictEqual(bad.status, 401)
          const { user, email } = yield* createUser()
          const token = yield* tokenFor(email)
          const manager = yield* UserManager.UserManager
          yield* Effect.orDie(manager.update({ is_active: false }, user))
          assert.strictEqual((yield* post("/auth/bearer/logout", undefined, bearer(token))).status, 401)
        }))
    })

    describe("verify router", () => {
      it.effect("request-verify-token: always 202 null; the token reaches the mailer for an active unverified user", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          const verified = yield* createUser({ is_verified: true })
          for (const address of [email, freshEmail(), verified.email]) {
            const reply = yield* post("/auth/request-verify-token", { email: address })
            assert.deepStrictEqual([reply.status, reply.text], [202, "null"])
            assert.strictEqual(reply.headers["content-length"], "4")
          }
          const messages = yield* sentMessages
          assert.isTrue(messages.some((m) => m.kind === "verify" && m.to === email))
          assert.isFalse(messages.some((m) => m.to === verified.email))
        }))

      it.effect("verify: 200 verified user; again 400 VERIFY_USER_ALREADY_VERIFIED; bad token 400", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          yield* post("/auth/request-verify-token", { email })
          const message = (yield* sentMessages).findLast((m) => m.kind === "verify" && m.to === email)
          assert.isDefined(message)
          const token = message?.token ?? ""
          const reply = yield* post("/auth/verify", { token })
          assert.strictEqual(reply.status, 200)
          assert.strictEqual((reply.json as { is_verified: boolean }).is_verified, true)
          assert.deepStrictEqual(Object.keys(reply.json as object).sort(), userKeys)
          const again = yield* post("/auth/verify", { token })
          assert.deepStrictEqual([again.status, again.json], [400, { detail: "VERIFY_USER_ALREADY_VERIFIED" }])
          const bad = yield* post("/auth/verify", { token: "not.a.jwt" })
          assert.deepStrictEqual([bad.status, bad.json], [400, { detail: "VERIFY_USER_BAD_TOKEN" }])
        }))

      it.effect("422 on missing or invalid fields", () =>
        Effect.gen(function*() {
          const missing = yield* post("/auth/verify", {})
          assert.deepStrictEqual([missing.status, locs(missing)], [422, [["body", "token"]]])
          const invalid = yield* post("/auth/request-verify-token", { email: "nope" })
          assert.deepStrictEqual([invalid.status, locs(invalid)], [422, [["body", "email"]]])
          // embedded body parameters: a body that is not an object leaves each of them missing, input null
          const bare = yield* post("/auth/request-verify-token", "a@b.co")
          assert.deepStrictEqual(bare.json, {
            detail: [{ type: "missing", loc: ["body", "email"], msg: "Field required", input: null }]
          })
          const form = yield* postRaw("/auth/reset-password", "token=a&password=b", "application/x-www-form-urlencoded")
          assert.deepStrictEqual([form.status, locs(form)], [422, [["body", "token"], ["body", "password"]]])
          const empty = yield* post("/auth/verify", {})
          assert.deepStrictEqual(empty.json, {
            detail: [{ type: "missing", loc: ["body", "token"], msg: "Field required", input: null }]
          })
          const nullEmail = yield* post("/auth/forgot-password", { email: null })
          assert.deepStrictEqual(nullEmail.json, {
            detail: [{
              type: "string_type",
              loc: ["body", "email"],
              msg: "Input should be a valid string",
              input: null
            }]
          })
        }))
    })

    describe("reset-password router", () => {
      it.effect("forgot-password: always 202 null; reset-password: 200 null, then the token is spent", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          const inactive = yield* createUser({ is_active: false })
          for (const address of [email, freshEmail(), inactive.email]) {
            const reply = yield* post("/auth/forgot-password", { email: address })
            assert.deepStrictEqual([reply.status, reply.text], [202, "null"])
          }
          const messages = yield* sentMessages
          assert.isFalse(messages.some((m) => m.to === inactive.email))
          const token = messages.findLast((m) => m.kind === "reset-password" && m.to === email)?.token ?? ""
          const weak = yield* post("/auth/reset-password", { token, password: "ab" })
          assert.deepStrictEqual([weak.status, weak.json], [400, {
            detail: { code: "RESET_PASSWORD_INVALID_PASSWORD", reason: "Password should be at least 3 characters" }
          }])
          const reset = yield* post("/auth/reset-password", { token, password: "new-secret" })
          assert.deepStrictEqual([reset.status, reset.text], [200, "null"])
          assert.strictEqual((yield* login("bearer", email, "new-secret")).status, 200)
          const again = yield* post("/auth/reset-password", { token, password: "other" })
          assert.deepStrictEqual([again.status, again.json], [400, { detail: "RESET_PASSWORD_BAD_TOKEN" }])
          const bad = yield* post("/auth/reset-password", { token: "x", password: "other" })
          assert.deepStrictEqual([bad.status, bad.json], [400, { detail: "RESET_PASSWORD_BAD_TOKEN" }])
        }))

      it.effect("422 on missing fields", () =>
        Effect.gen(function*() {
          const reply = yield* post("/auth/reset-password", {})
          assert.deepStrictEqual([reply.status, locs(reply)], [422, [["body", "token"], ["body", "password"]]])
          const forgot = yield* post("/auth/forgot-password", {})
          assert.deepStrictEqual([forgot.status, locs(forgot)], [422, [["body", "email"]]])
        }))
    })

    describe("users router", () => {
      it.effect("GET /users/me: 200 with bearer or cookie; 401 otherwise; bad bearer + good cookie passes", () =>
        Effect.gen(function*() {
          const { email, user } = yield* createUser()
          const token = yield* tokenFor(email)
          const me = yield* get("/users/me", bearer(token))
          assert.strictEqual(me.status, 200)
          assert.deepStrictEqual(me.json, {
            id: user.id,
            email,
            is_active: true,
            is_superuser: false,
            is_verified: false
          })
          const cookie = String((yield* login("cookie", email, "secret")).headers["set-cookie"]).split(";")[0]
          assert.strictEqual((yield* get("/users/me", { cookie })).status, 200)
          assert.strictEqual((yield* get("/users/me", { cookie, authorization: "Bearer bad" })).status, 200)
          const none = yield* get("/users/me")
          assert.deepStrictEqual([none.status, none.json], [401, { detail: "Unauthorized" }])
          assert.strictEqual((yield* get("/users/me", { authorization: "Basic abc" })).status, 401)
        }))

      it.effect("PATCH /users/me: e-mail change unverifies; flags ignored; password changes; codes", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser({ is_verified: true })
          const other = yield* createUser()
          const token = yield* tokenFor(email)
          const flags = yield* patch("/users/me", { is_superuser: true, is_active: false }, bearer(token))
          assert.strictEqual(flags.status, 200)
          assert.deepStrictEqual(
            [(flags.json as { is_superuser: boolean }).is_superuser, (flags.json as { is_active: boolean }).is_active],
            [false, true]
          )
          const taken = yield* patch("/users/me", { email: other.email.toUpperCase() }, bearer(token))
          assert.deepStrictEqual([taken.status, taken.json], [400, { detail: "UPDATE_USER_EMAIL_ALREADY_EXISTS" }])
          const weak = yield* patch("/users/me", { password: "ab" }, bearer(token))
          assert.deepStrictEqual([weak.status, weak.json], [400, {
            detail: { code: "UPDATE_USER_INVALID_PASSWORD", reason: "Password should be at least 3 characters" }
          }])
          const newEmail = freshEmail()
          const changed = yield* patch("/users/me", { email: newEmail, password: "changed" }, bearer(token))
          assert.strictEqual(changed.status, 200)
          assert.deepStrictEqual(
            [(changed.json as { email: string }).email, (changed.json as { is_verified: boolean }).is_verified],
            [newEmail, false]
          )
          assert.strictEqual((yield* login("bearer", newEmail, "changed")).status, 200)
          const same = yield* patch("/users/me", {}, bearer(token))
          assert.strictEqual(same.status, 200)
        }))

      it.effect("PATCH /users/me: 422 for null e-mail or flags (Q2), a missing body, wrong types", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          const token = yield* tokenFor(email)
          const nullEmail = yield* patch("/users/me", { email: null }, bearer(token))
          assert.deepStrictEqual([nullEmail.status, locs(nullEmail)], [422, [["body", "email"]]])
          const nullFlag = yield* patch("/users/me", { is_active: null, email: "bad" }, bearer(token))
          assert.deepStrictEqual([nullFlag.status, locs(nullFlag)], [422, [["body", "email"], ["body", "is_active"]]])
          const missing = yield* send(
            HttpClientRequest.patch("/users/me").pipe(HttpClientRequest.setHeaders(bearer(token)))
          )
          assert.deepStrictEqual([missing.status, locs(missing)], [422, [["body"]]])
          const nullPassword = yield* patch("/users/me", { password: null }, bearer(token))
          assert.strictEqual(nullPassword.status, 200)
          assert.strictEqual((yield* login("bearer", email, "secret")).status, 200)
        }))

      it.effect("check order (§2.4): malformed JSON 422 before auth; auth before body validation", () =>
        Effect.gen(function*() {
          const malformedPatch = yield* send(
            HttpClientRequest.patch("/users/me").pipe(HttpClientRequest.bodyText("{bad", "application/json"))
          )
          assert.deepStrictEqual([malformedPatch.status, types(malformedPatch)], [422, ["json_invalid"]])
          const unauthenticated = yield* patch("/users/me", { email: "bad" })
          assert.deepStrictEqual([unauthenticated.status, unauthenticated.json], [401, { detail: "Unauthorized" }])
          const { email } = yield* createUser({ is_superuser: true })
          const token = yield* tokenFor(email)
          const unknown = yield* patch("/users/00000000-0000-4000-8000-000000000000", { email: "bad" }, bearer(token))
          assert.deepStrictEqual([unknown.status, unknown.json], [404, { detail: "Not Found" }])
          // a body that cannot be the payload at all is still validated after the user is loaded
          for (const body of [[], "text", null]) {
            const notObject = yield* patch("/users/00000000-0000-4000-8000-000000000000", body, bearer(token))
            assert.deepStrictEqual([notObject.status, notObject.json], [404, { detail: "Not Found" }])
          }
          const { email: plain } = yield* createUser()
          const plainToken = yield* tokenFor(plain)
          const forbidden = yield* patch(
            "/users/00000000-0000-4000-8000-000000000000",
            { email: "bad" },
            bearer(plainToken)
          )
          assert.deepStrictEqual([forbidden.status, forbidden.json], [403, { detail: "Forbidden" }])
        }))

      it.effect("/users/{id}: superuser only (403), 404 for unknown or invalid ids, PATCH applies flags, DELETE 204", () =>
        Effect.gen(function*() {
          const admin = yield* createUser({ is_superuser: true })
          const adminToken = yield* tokenFor(admin.email)
          const target = yield* createUser()
          const targetToken = yield* tokenFor(target.email)
          assert.deepStrictEqual(
            [(yield* get(`/users/${target.user.id}`, bearer(targetToken))).status],
            [403]
          )
          const found = yield* get(`/users/${target.user.id}`, bearer(adminToken))
          assert.deepStrictEqual([found.status, (found.json as { email: string }).email], [200, target.email])
          const upper = yield* get(`/users/${target.user.id.toUpperCase()}`, bearer(adminToken))
          assert.strictEqual(upper.status, 200)
          for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "me-too", "1"]) {
            const reply = yield* get(`/users/${id}`, bearer(adminToken))
            assert.deepStrictEqual([reply.status, reply.json], [404, { detail: "Not Found" }])
          }
          const newEmail = freshEmail()
          const patched = yield* patch(
            `/users/${target.user.id}`,
            { is_superuser: true, is_verified: true, email: newEmail },
            bearer(adminToken)
          )
          assert.strictEqual(patched.status, 200)
          assert.deepStrictEqual(patched.json, {
            id: target.user.id,
            email: newEmail,
            is_active: true,
            is_superuser: true,
            is_verified: true
          })
          const invalid = yield* patch(`/users/${target.user.id}`, { is_active: "maybe" }, bearer(adminToken))
          assert.deepStrictEqual([invalid.status, locs(invalid)], [422, [["body", "is_active"]]])
          const deleted = yield* del(`/users/${target.user.id}`, bearer(adminToken))
          assert.deepStrictEqual([deleted.status, deleted.text], [204, ""])
          assert.strictEqual((yield* get(`/users/${target.user.id}`, bearer(adminToken))).status, 404)
        }))

      it.effect("DELETE /users/me is /{id} with id \"me\": superuser 404, others 403", () =>
        Effect.gen(function*() {
          const admin = yield* createUser({ is_superuser: true })
          const plain = yield* createUser()
          const adminReply = yield* del("/users/me", bearer(yield* tokenFor(admin.email)))
          assert.deepStrictEqual([adminReply.status, adminReply.json], [404, { detail: "Not Found" }])
          const plainReply = yield* del("/users/me", bearer(yield* tokenFor(plain.email)))
          assert.deepStrictEqual([plainReply.status, plainReply.json], [403, { detail: "Forbidden" }])
        }))
    })

    describe("unmatched requests (layerNotFound)", () => {
      it.effect("405 {detail: Method Not Allowed} on a known path, 404 {detail: Not Found} elsewhere", () =>
        Effect.gen(function*() {
          const put = yield* send(HttpClientRequest.put("/users/me"))
          assert.deepStrictEqual([put.status, put.json], [405, { detail: "Method Not Allowed" }])
          const getLogin = yield* get("/auth/bearer/login")
          assert.deepStrictEqual([getLogin.status, getLogin.json], [405, { detail: "Method Not Allowed" }])
          assert.strictEqual(put.headers["allow"], "GET")
          const head = yield* send(HttpClientRequest.head("/users/me"))
          assert.deepStrictEqual([head.status, head.headers["allow"]], [405, "GET"])
          // a malformed escape stays in the path parameter, as uvicorn keeps it: the /{id} route, its guard first
          const malformed = yield* get("/users/%zz")
          assert.deepStrictEqual([malformed.status, malformed.json], [401, { detail: "Unauthorized" }])
          const missing = yield* get("/nowhere")
          assert.deepStrictEqual([missing.status, missing.json], [404, { detail: "Not Found" }])
        }))
    })

    describe("the application's own endpoints (ValidationError.Middleware)", () => {
      it.effect("their validation failures are FastAPI's 422 with a loc per invalid field", () =>
        Effect.gen(function*() {
          const ok = yield* post("/echo", { name: "a", age: 1 })
          assert.deepStrictEqual([ok.status, ok.json], [200, { name: "a" }])
          const bad = yield* post("/echo", { age: 1.5 })
          assert.deepStrictEqual([bad.status, locs(bad), types(bad)], [422, [["body", "name"], ["body", "age"]], [
            "missing",
            "value_error"
          ]])
        }))
    })

    describe("the application's own endpoints (currentUser)", () => {
      it.effect("active / superuser / chosen backends / optional", () =>
        Effect.gen(function*() {
          const { email } = yield* createUser()
          const token = yield* tokenFor(email)
          const cookie = String((yield* login("cookie", email, "secret")).headers["set-cookie"]).split(";")[0]
          assert.deepStrictEqual((yield* get("/protected")).json, { detail: "Unauthorized" })
          assert.deepStrictEqual((yield* get("/protected", bearer(token))).json, { email })
          const admin = yield* get("/admin", bearer(token))
          assert.deepStrictEqual([admin.status, admin.json], [403, { detail: "Forbidden" }])
          assert.strictEqual((yield* get("/cookie-only", bearer(token))).status, 401)
          assert.deepStrictEqual((yield* get("/cookie-only", { cookie })).json, { email })
          assert.deepStrictEqual((yield* get("/maybe")).json, { email: null })
          assert.deepStrictEqual((yield* get("/maybe", bearer(token))).json, { email })
        }))
    })
  })
})
