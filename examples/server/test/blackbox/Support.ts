/**
 * Assertions and helpers of the black-box suite, written from FastAPI Users' documented and observed behaviour (docs/moving-from-fastapi-users.md): exact bodies, cookies, 422
 * locations, and tokens forged with the servers' shared secret.
 */
import { expect } from "@effect/vitest"
import { createHmac, randomBytes, randomUUID } from "node:crypto"
import type { Client, Reply, RequestOptions } from "./Client.ts"

/** Which server a scenario runs against: the §14 differences are named expectations per kind. */
export type ServerKind = "reference" | "effect-users"

/** A server under test. */
export interface Target {
  readonly kind: ServerKind
  readonly client: Client
  /** The `SECRET` both servers were started with (JWT strategy, verify and reset tokens). */
  readonly secret: string
  /** The reference's 500s that a named expectation accounted for (§14 Q2 and the defects beyond §14). */
  readonly expected500: Set<Reply>
}

const describeReply = (reply: Reply): string =>
  `${reply.method} ${reply.path} -> ${reply.status} ${reply.text.slice(0, 400)}`

/** The status, with the whole answer in the failure message. */
export const expectStatus = (reply: Reply, status: number): void => {
  expect(reply.status, describeReply(reply)).toBe(status)
}

/** A JSON answer with exactly this status and body. */
export const expectJson = (reply: Reply, status: number, body: unknown): void => {
  expectStatus(reply, status)
  expect(reply.headers.get("content-type") ?? "", describeReply(reply)).toContain("application/json")
  expect(reply.json, describeReply(reply)).toStrictEqual(body)
}

/** An error answer `{"detail": detail}` (§2.2); a 401 never carries `WWW-Authenticate`. */
export const expectDetail = (reply: Reply, status: number, detail: unknown): void => {
  expectJson(reply, status, { detail })
  expect(reply.headers.get("www-authenticate"), describeReply(reply)).toBeNull()
}

/** `{"detail": "Unauthorized"}` with 401 (§5). */
export const expectUnauthorized = (reply: Reply): void => expectDetail(reply, 401, "Unauthorized")

/** `{"detail": "Forbidden"}` with 403 (§5). */
export const expectForbidden = (reply: Reply): void => expectDetail(reply, 403, "Forbidden")

/** `{"detail": "Not Found"}` with 404. */
export const expectNotFound = (reply: Reply): void => expectDetail(reply, 404, "Not Found")

/** A 500 of the reference that a named expectation predicts (the final no-500 check then accepts it). */
export const expectReference500 = (target: Target, reply: Reply): void => {
  expect(target.kind).toBe("reference")
  expectStatus(reply, 500)
  target.expected500.add(reply)
}

/** An empty answer with this status (204 No Content). */
export const expectEmpty = (reply: Reply, status: number): void => {
  expectStatus(reply, status)
  expect(reply.text, describeReply(reply)).toBe("")
}

/** 202 or 200 with the JSON body `null` (request-verify-token, forgot-password, reset-password). */
export const expectNullBody = (reply: Reply, status: number): void => {
  expectStatus(reply, status)
  expect(reply.headers.get("content-type") ?? "", describeReply(reply)).toContain("application/json")
  expect(reply.text, describeReply(reply)).toBe("null")
}

type Loc = ReadonlyArray<string | number>

/**
 * A FastAPI-style 422: `detail` is a list of objects each carrying `loc`, `msg` and `type`; the set of locations
 * is exactly `locs` (the messages are not compared, §2.2).
 */
export const expectLocs = (reply: Reply, locs: ReadonlyArray<Loc>): void => {
  expectStatus(reply, 422)
  const body = reply.json as { readonly detail?: unknown } | undefined
  expect(Array.isArray(body?.detail), describeReply(reply)).toBe(true)
  const items = body?.detail as ReadonlyArray<
    { readonly loc?: unknown; readonly msg?: unknown; readonly type?: unknown }
  >
  for (const item of items) {
    expect(Array.isArray(item.loc), describeReply(reply)).toBe(true)
    expect(typeof item.msg, describeReply(reply)).toBe("string")
    expect(typeof item.type, describeReply(reply)).toBe("string")
  }
  const actual = [...new Set(items.map((item) => JSON.stringify(item.loc)))].sort()
  const expected = [...new Set(locs.map((loc) => JSON.stringify(loc)))].sort()
  expect(actual, describeReply(reply)).toStrictEqual(expected)
}

/** A 422 whose every item's location starts with `prefix` (malformed JSON: `["body", <position>]`). */
export const expectLocPrefix = (reply: Reply, prefix: Loc): void => {
  expectStatus(reply, 422)
  const body = reply.json as { readonly detail?: unknown } | undefined
  expect(Array.isArray(body?.detail), describeReply(reply)).toBe(true)
  const items = body?.detail as ReadonlyArray<{ readonly loc?: ReadonlyArray<unknown> }>
  expect(items.length, describeReply(reply)).toBeGreaterThan(0)
  for (const item of items) expect(item.loc?.slice(0, prefix.length), describeReply(reply)).toStrictEqual(prefix)
}

/** The fields of a `UserRead` (§2.5). */
export interface UserRead {
  readonly id: string
  readonly email: string
  readonly is_active: boolean
  readonly is_superuser: boolean
  readonly is_verified: boolean
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u

/** A `UserRead` body with exactly the base fields (no `hashed_password`, no `password`), a lower-case UUID id. */
export const expectUser = (reply: Reply, status: number, expected: Partial<UserRead>): UserRead => {
  expectStatus(reply, status)
  expect(reply.headers.get("content-type") ?? "", describeReply(reply)).toContain("application/json")
  const user = reply.json as UserRead
  expect(Object.keys(user).sort(), describeReply(reply)).toStrictEqual(
    ["email", "id", "is_active", "is_superuser", "is_verified"]
  )
  expect(user.id, describeReply(reply)).toMatch(UUID)
  expect(user, describeReply(reply)).toMatchObject(expected)
  return user
}

/** A parsed `Set-Cookie` header: attribute names lower-cased. */
export interface SetCookie {
  readonly name: string
  readonly value: string
  readonly attributes: ReadonlyMap<string, string>
}

/** Parses one `Set-Cookie` header. */
export const parseSetCookie = (header: string): SetCookie => {
  const [pair = "", ...parts] = header.split(";").map((part) => part.trim())
  const eq = pair.indexOf("=")
  const attributes = new Map<string, string>()
  for (const part of parts) {
    if (part === "") continue
    const i = part.indexOf("=")
    if (i === -1) attributes.set(part.toLowerCase(), "")
    else attributes.set(part.slice(0, i).toLowerCase(), part.slice(i + 1))
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes }
}

/**
 * Exactly one `Set-Cookie` for the auth cookie with exactly these attributes (§4.2; order and the case of attribute
 * names are irrelevant to clients, `SameSite`'s value is compared case-insensitively). Returns the cookie value.
 */
export const expectAuthCookie = (reply: Reply, attributes: Record<string, string>): string => {
  expect(reply.setCookies.length, `${describeReply(reply)} set-cookie: ${JSON.stringify(reply.setCookies)}`).toBe(1)
  const cookie = parseSetCookie(reply.setCookies[0] ?? "")
  expect(cookie.name).toBe("fastapiusersauth")
  const actual = Object.fromEntries(
    [...cookie.attributes].map(([k, v]) => [k, k === "samesite" ? v.toLowerCase() : v])
  )
  expect(actual, reply.setCookies[0]).toStrictEqual(attributes)
  return cookie.value
}

/** The attributes of the auth cookie set at login (Max-Age = the 3600 s lifetime, no Domain, no Expires). */
export const loginCookieAttributes = {
  httponly: "",
  "max-age": "3600",
  path: "/",
  samesite: "lax",
  secure: ""
}

/** The attributes of the clearing cookie of logout. */
export const logoutCookieAttributes = { ...loginCookieAttributes, "max-age": "0" }

const b64url = (input: string | Buffer): string => Buffer.from(input).toString("base64url")

/** Decodes the header and payload of a JWT (no verification). */
export const decodeJwt = (
  token: string
): { readonly header: Record<string, unknown>; readonly payload: Record<string, unknown> } => {
  const [header = "", payload = ""] = token.split(".")
  return {
    header: JSON.parse(Buffer.from(header, "base64url").toString("utf8")),
    payload: JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
  }
}

/** Signs a JWT with HS256 (or the header given), as a client holding the secret would. */
export const forgeJwt = (
  payload: Record<string, unknown>,
  secret: string,
  header: Record<string, unknown> = { alg: "HS256", typ: "JWT" }
): string => {
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
  const signature = createHmac("sha256", secret).update(signingInput).digest("base64url")
  return `${signingInput}.${signature}`
}

/** Unix seconds now. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000)

let serial = 0

/** A fresh e-mail address for one scenario (valid for email-validator: a dotted, non-special-use domain). */
export const freshEmail = (prefix: string): string =>
  `${prefix}.${++serial}.${randomBytes(4).toString("hex")}@camelot.bt`

/** A random UUID no user has. */
export const unknownId = (): string => randomUUID()

/** The password every scenario user gets unless it says otherwise. */
export const PASSWORD = "guinevere"

/** Out-of-band helpers of a target, built on its public API and the two test-only endpoints. */
export interface Helpers {
  readonly request: (method: string, path: string, options?: RequestOptions) => Promise<Reply>
  /** Registers a user (201) and returns it. */
  readonly register: (email: string, password?: string) => Promise<UserRead>
  /** Logs in through the bearer backend (200) and returns the access token. */
  readonly login: (email: string, password?: string) => Promise<string>
  /** The token of an active verified superuser (created once per target). */
  readonly superuser: () => Promise<string>
  /** The last verify and reset tokens the server's hooks saw for `email`. */
  readonly tokens: (email: string) => Promise<{ readonly verify: string | null; readonly reset: string | null }>
  /** Registers a user, then sets flags through a superuser's `PATCH /users/{id}`; returns it and its token. */
  readonly user: (
    flags?: { readonly is_active?: boolean; readonly is_verified?: boolean; readonly is_superuser?: boolean },
    prefix?: string
  ) => Promise<{ readonly user: UserRead; readonly email: string; readonly token: string }>
  /** Sets flags or fields of a user through a superuser (200). */
  readonly patchUser: (id: string, body: Record<string, unknown>) => Promise<UserRead>
}

/** Builds the helpers of a target. */
export const makeHelpers = (target: Target): Helpers => {
  const request = target.client.request
  const register = async (email: string, password = PASSWORD): Promise<UserRead> => {
    const reply = await request("POST", "/auth/register", { json: { email, password } })
    return expectUser(reply, 201, {})
  }
  const login = async (email: string, password = PASSWORD): Promise<string> => {
    const reply = await request("POST", "/auth/jwt/login", { form: { username: email, password } })
    expectStatus(reply, 200)
    return (reply.json as { readonly access_token: string }).access_token
  }
  let superuserToken: Promise<string> | undefined
  const superuser = (): Promise<string> => {
    superuserToken ??= (async () => {
      const email = freshEmail("root")
      const reply = await request("POST", "/__test__/superuser", { json: { email, password: PASSWORD } })
      expectUser(reply, 201, { email, is_superuser: true, is_verified: true, is_active: true })
      return login(email)
    })()
    return superuserToken
  }
  const tokens = async (email: string) => {
    const reply = await request("GET", `/__test__/tokens?email=${encodeURIComponent(email)}`)
    expectStatus(reply, 200)
    return reply.json as { readonly verify: string | null; readonly reset: string | null }
  }
  const patchUser = async (id: string, body: Record<string, unknown>): Promise<UserRead> => {
    const reply = await request("PATCH", `/users/${id}`, { json: body, bearer: await superuser() })
    return expectUser(reply, 200, {})
  }
  const user: Helpers["user"] = async (flags = {}, prefix = "user") => {
    const email = freshEmail(prefix)
    let created = await register(email)
    const token = await login(email)
    if (Object.keys(flags).length > 0) created = await patchUser(created.id, flags)
    return { user: created, email, token }
  }
  return { request, register, login, superuser, tokens, user, patchUser }
}
