/**
 * Token attacks, black-box, one table: each row crafts or replays a token and sends it to the running example server
 * (a separate process, embedded PostgreSQL, the test Redis), which must refuse it with the documented answer. The table
 * runs against four servers, one per access-token algorithm (`JWT_ALGORITHM` HS256, RS256, ES256, EdDSA, with a
 * `JWT_PRIVATE_KEY` the test generated, so that it can sign valid tokens and every public key form):
 *
 * - `alg: none` in its spellings, a missing `alg`, algorithm confusion (HS256 keyed with the public key as PEM, PEM
 *   without its last newline, PKCS#1 PEM, DER, base64 DER, JWK JSON, the raw key), another algorithm of the same
 *   family validly signed, an embedded `jwk` / a `jku` naming the attacker's key;
 * - wrong audience and every cross-purpose use: access ↔ verify ↔ reset ↔ OAuth state, in every direction;
 * - expired, not yet valid, tampered (signature bit, payload swapped, non-canonical base64url), `crit`, oversized;
 * - a reset token after a reset and after the password changed another way, a verify token after an e-mail change;
 * - a database or Redis token after logout, any token of a deleted or deactivated user.
 *
 * Each group also has a control row (a valid token, accepted), so that a refusal means the attack, not a broken signer.
 */
import { requireUrl } from "@effect-users/testing/TestServices"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import {
  constants,
  createHmac,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomUUID,
  sign as cryptoSign
} from "node:crypto"
import type { RunningServer } from "./blackbox/Servers.ts"
import { startExample } from "./blackbox/Servers.ts"
import { accessToken, type Answer, call } from "./httpRaces.ts"

const SECRET = "token-attacks-secret-with-32-or-more-bytes"
const PASSWORD = "attack-password"
const AUTH = ["fastapi-users:auth"]

type Algorithm = "HS256" | "RS256" | "ES256" | "EdDSA"

const b64 = (input: string | Buffer): string => Buffer.from(input).toString("base64url")
const now = () => Math.floor(Date.now() / 1000)

/** Signs `header.payload` with HS256 under `key` (any bytes), as an attacker holding them would. */
const hmac = (header: object, payload: object, key: string | Buffer, hash = "sha256"): string => {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`
  return `${input}.${createHmac(hash, key).update(input).digest("base64url")}`
}

/** Signs `header.payload` with an asymmetric private key as `alg` (whatever the header says). */
const asymmetric = (alg: string, header: object, payload: object, key: KeyObject): string => {
  const input = Buffer.from(`${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`)
  const signature = alg === "EdDSA"
    ? cryptoSign(null, input, key)
    : alg === "ES256"
    ? cryptoSign("sha256", input, { key, dsaEncoding: "ieee-p1363" })
    : alg === "PS256"
    ? cryptoSign("sha256", input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
    : cryptoSign(alg === "RS512" ? "sha512" : "sha256", input, key)
  return `${input.toString()}.${b64(signature)}`
}

/** The object without its `undefined` members (a row removes a claim or header by setting it `undefined`). */
const clean = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

/** A token with one segment replaced. */
const segment = (token: string, index: number, value: string): string =>
  token.split(".").map((part, i) => i === index ? value : part).join(".")

/** Flips the lowest bit of the signature's first byte. */
const flipBit = (token: string): string => {
  const bytes = Buffer.from(token.split(".")[2] ?? "", "base64url")
  bytes[0] = (bytes[0] ?? 0) ^ 1
  return segment(token, 2, b64(bytes))
}

/** The same signature bytes with the unused low bits of the last character set (a non-canonical spelling). */
const nonCanonical = (token: string): string => {
  const signature = token.split(".")[2] ?? ""
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
  const last = alphabet.indexOf(signature.at(-1) ?? "A")
  const unused = signature.length % 4 === 2 ? 0b1111 : signature.length % 4 === 3 ? 0b11 : 0
  if (unused === 0) return `${signature}A` // no unused bits: one more character is not base64url of the same bytes
  return segment(token, 2, `${signature.slice(0, -1)}${alphabet[last | unused] ?? "_"}`)
}

interface Keys {
  readonly algorithm: Algorithm
  readonly privateKey?: KeyObject
  readonly publicKey?: KeyObject
}

const generate = (algorithm: Algorithm): Keys => {
  if (algorithm === "HS256") return { algorithm }
  const pair = algorithm === "RS256"
    ? generateKeyPairSync("rsa", { modulusLength: 2048 })
    : algorithm === "ES256"
    ? generateKeyPairSync("ec", { namedCurve: "prime256v1" })
    : generateKeyPairSync("ed25519")
  return { algorithm, privateKey: pair.privateKey, publicKey: pair.publicKey }
}

/** Every form a public key is published in, as bytes an attacker could use as an HMAC secret. */
const publicKeyForms = (publicKey: KeyObject): Array<readonly [string, string | Buffer]> => {
  const pem = publicKey.export({ type: "spki", format: "pem" }).toString()
  const der = publicKey.export({ type: "spki", format: "der" })
  const jwk = publicKey.export({ format: "jwk" })
  const forms: Array<readonly [string, string | Buffer]> = [
    ["SPKI PEM", pem],
    ["SPKI PEM without its last newline", pem.trimEnd()],
    ["SPKI DER", der],
    ["SPKI DER, base64", der.toString("base64")],
    ["JWK JSON", JSON.stringify(jwk)]
  ]
  if (publicKey.asymmetricKeyType === "rsa") {
    forms.push(["PKCS#1 PEM", publicKey.export({ type: "pkcs1", format: "pem" }).toString()])
    forms.push(["modulus n (base64url)", jwk.n ?? ""])
  } else {
    forms.push(["raw key x (base64url)", jwk.x ?? ""])
  }
  return forms
}

/** A user of the server under attack, with whatever the row needs. */
interface Victim {
  readonly id: string
  readonly email: string
  readonly jwt: string
}

interface Context {
  readonly base: string
  readonly keys: Keys
  /** A validly signed access token of the server's algorithm (header and claims overridable). */
  readonly sign: (claims?: Record<string, unknown>, header?: Record<string, unknown>) => string
  /** A fresh registered user, logged in through `/auth/jwt`. */
  readonly victim: () => Promise<Victim>
  /** One user per server for the rows that do not change it (each row registering its own would double the time). */
  readonly shared: () => Promise<Victim>
  /** The last verify or reset token the hooks saw for `email`, once it differs from `previous`. */
  readonly tokenFor: (email: string, kind: "verify" | "reset", previous?: string | null) => Promise<string>
  readonly superuser: () => Promise<string>
}

interface Expectation {
  readonly status: number
  readonly detail?: string
}

/** One row: what it sends, and the answer that refuses it (or accepts it, for a control row). */
interface Row {
  readonly name: string
  readonly only?: ReadonlyArray<Algorithm>
  readonly send: (ctx: Context) => Promise<Answer>
  readonly expect: Expectation
}

const unauthorized: Expectation = { status: 401, detail: "Unauthorized" }
const badVerify: Expectation = { status: 400, detail: "VERIFY_USER_BAD_TOKEN" }
const badReset: Expectation = { status: 400, detail: "RESET_PASSWORD_BAD_TOKEN" }
const asymmetricOnly: ReadonlyArray<Algorithm> = ["RS256", "ES256", "EdDSA"]
/** Verify and reset tokens are HS256 under `SECRET` whatever the access tokens' algorithm: one server tries them. */
const actionTokens: ReadonlyArray<Algorithm> = ["HS256"]

const me = (ctx: Context, token: string) => call(ctx.base, "GET", "/users/me", { bearer: token })
const verify = (ctx: Context, token: string) => call(ctx.base, "POST", "/auth/verify", { json: { token } })
const reset = (ctx: Context, token: string, password = "a-new-password") =>
  call(ctx.base, "POST", "/auth/reset-password", { json: { token, password } })
const login = (ctx: Context, backend: string, email: string, password = PASSWORD) =>
  call(ctx.base, "POST", `/auth/${backend}/login`, { form: { username: email, password } })

/** A victim's access token with the server's algorithm and these claims. */
const withClaims = async (ctx: Context, claims: Record<string, unknown>, header?: Record<string, unknown>) => {
  const v = await ctx.shared()
  return ctx.sign({ sub: v.id, aud: AUTH, exp: now() + 600, ...claims }, header)
}

/** A real verify token of a fresh victim. */
const verifyToken = async (ctx: Context) => {
  const v = await ctx.victim()
  assert.strictEqual(
    (await call(ctx.base, "POST", "/auth/request-verify-token", { json: { email: v.email } })).status,
    202
  )
  return { victim: v, token: await ctx.tokenFor(v.email, "verify") }
}

/** A real reset token of a fresh victim. */
const resetToken = async (ctx: Context) => {
  const v = await ctx.victim()
  assert.strictEqual((await call(ctx.base, "POST", "/auth/forgot-password", { json: { email: v.email } })).status, 202)
  return { victim: v, token: await ctx.tokenFor(v.email, "reset") }
}

/** An OAuth state as the OAuth router signs it (HS256 with the state secret, `SECRET` here). */
const oauthState = (sub?: string) =>
  hmac({ alg: "HS256", typ: "JWT" }, {
    aud: "fastapi-users:oauth-state",
    exp: now() + 600,
    ...(sub === undefined ? {} : { sub })
  }, SECRET)

/** Deactivates or deletes a user through a superuser. */
const administer = async (ctx: Context, id: string, action: "deactivate" | "delete") => {
  const bearer = await ctx.superuser()
  const reply = action === "delete"
    ? await call(ctx.base, "DELETE", `/users/${id}`, { bearer })
    : await call(ctx.base, "PATCH", `/users/${id}`, { bearer, json: { is_active: false } })
  assert.include([200, 204], reply.status, reply.text)
}

const rows: ReadonlyArray<Row> = [
  // controls: the signer and the flows work, so every refusal below is the attack's
  {
    name: "control: a validly signed access token",
    send: async (ctx) => me(ctx, await withClaims(ctx, {})),
    expect: { status: 200 }
  },
  {
    name: "control: a real verify token verifies",
    only: actionTokens,
    send: async (ctx) => verify(ctx, (await verifyToken(ctx)).token),
    expect: { status: 200 }
  },
  {
    name: "control: a real reset token resets",
    only: actionTokens,
    send: async (ctx) => reset(ctx, (await resetToken(ctx)).token),
    expect: { status: 200 }
  },

  // alg none and friends
  ...["none", "None", "NONE", "nOnE"].map((alg): Row => ({
    name: `alg ${JSON.stringify(alg)}, empty signature`,
    send: async (ctx) => {
      const v = await ctx.shared()
      return me(
        ctx,
        `${b64(JSON.stringify({ alg, typ: "JWT" }))}.${
          b64(JSON.stringify({ sub: v.id, aud: AUTH, exp: now() + 600 }))
        }.`
      )
    },
    expect: unauthorized
  })),
  {
    name: "alg none, signed by the right key",
    send: async (ctx) => me(ctx, await withClaims(ctx, {}, { alg: "none" })),
    expect: unauthorized
  },
  {
    name: "alg missing, signed by the right key",
    send: async (ctx) => me(ctx, await withClaims(ctx, {}, { alg: undefined })),
    expect: unauthorized
  },

  // algorithm confusion: HS256 keyed with every published form of the public key
  ...([
    "SPKI PEM",
    "SPKI PEM without its last newline",
    "SPKI DER",
    "SPKI DER, base64",
    "JWK JSON",
    "PKCS#1 PEM",
    "modulus n (base64url)",
    "raw key x (base64url)"
  ] as const)
    .map((form): Row => ({
      name: `algorithm confusion: HS256 keyed with the public key as ${form}`,
      only: form === "PKCS#1 PEM" || form === "modulus n (base64url)"
        ? ["RS256"]
        : form === "raw key x (base64url)"
        ? ["ES256", "EdDSA"]
        : asymmetricOnly,
      send: async (ctx) => {
        if (ctx.keys.publicKey === undefined) throw new Error("no public key")
        const key = publicKeyForms(ctx.keys.publicKey).find(([name]) => name === form)
        if (key === undefined) throw new Error(`no ${form} for ${ctx.keys.algorithm}`)
        const v = await ctx.shared()
        return me(ctx, hmac({ alg: "HS256", typ: "JWT" }, { sub: v.id, aud: AUTH, exp: now() + 600 }, key[1]))
      },
      expect: unauthorized
    })),
  ...(["RS256", "ES256", "EdDSA"] as const).map((alg): Row => ({
    name: `an asymmetric ${alg} token signed by the attacker's own key, to the HS256 server`,
    only: ["HS256"],
    send: async (ctx) => {
      const attacker = generate(alg)
      const v = await ctx.shared()
      const jwk = attacker.publicKey?.export({ format: "jwk" })
      if (attacker.privateKey === undefined) throw new Error("no key")
      return me(
        ctx,
        asymmetric(alg, { alg, typ: "JWT", jwk }, { sub: v.id, aud: AUTH, exp: now() + 600 }, attacker.privateKey)
      )
    },
    expect: unauthorized
  })),
  {
    name: "the configured algorithm signed by the attacker's key, its public key embedded (jwk) and linked (jku)",
    only: asymmetricOnly,
    send: async (ctx) => {
      const attacker = generate(ctx.keys.algorithm)
      const v = await ctx.shared()
      const header = {
        alg: ctx.keys.algorithm,
        typ: "JWT",
        jwk: attacker.publicKey?.export({ format: "jwk" }),
        jku: "http://127.0.0.1:9/jwks.json"
      }
      if (attacker.privateKey === undefined) throw new Error("no key")
      return me(
        ctx,
        asymmetric(ctx.keys.algorithm, header, { sub: v.id, aud: AUTH, exp: now() + 600 }, attacker.privateKey)
      )
    },
    expect: unauthorized
  },
  {
    name: "HS384 and HS512 with the right secret (another algorithm of the family)",
    only: ["HS256"],
    send: async (ctx) => {
      const v = await ctx.shared()
      const claims = { sub: v.id, aud: AUTH, exp: now() + 600 }
      const first = await me(ctx, hmac({ alg: "HS384", typ: "JWT" }, claims, SECRET, "sha384"))
      if (first.status !== 401) return first
      return me(ctx, hmac({ alg: "HS512", typ: "JWT" }, claims, SECRET, "sha512"))
    },
    expect: unauthorized
  },
  {
    name: "PS256 and RS512 with the right RSA key (another algorithm of the family)",
    only: ["RS256"],
    send: async (ctx) => {
      const first = await me(ctx, await withClaims(ctx, {}, { alg: "PS256" }))
      if (first.status !== 401) return first
      return me(ctx, await withClaims(ctx, {}, { alg: "RS512" }))
    },
    expect: unauthorized
  },

  // audience and cross-purpose use
  {
    name: "wrong audience",
    send: async (ctx) => me(ctx, await withClaims(ctx, { aud: ["another-app:auth"] })),
    expect: unauthorized
  },
  {
    name: "no audience",
    send: async (ctx) => me(ctx, await withClaims(ctx, { aud: undefined })),
    expect: unauthorized
  },
  {
    name: "access claims with the verify audience",
    send: async (ctx) => me(ctx, await withClaims(ctx, { aud: "fastapi-users:verify" })),
    expect: unauthorized
  },
  {
    name: "access claims with the reset audience",
    send: async (ctx) => me(ctx, await withClaims(ctx, { aud: "fastapi-users:reset" })),
    expect: unauthorized
  },
  {
    name: "access claims with the OAuth state audience",
    send: async (ctx) => me(ctx, await withClaims(ctx, { aud: "fastapi-users:oauth-state" })),
    expect: unauthorized
  },
  {
    name: "a real verify token as an access token",
    send: async (ctx) => me(ctx, (await verifyToken(ctx)).token),
    expect: unauthorized
  },
  {
    name: "a real reset token as an access token",
    send: async (ctx) => me(ctx, (await resetToken(ctx)).token),
    expect: unauthorized
  },
  {
    name: "an OAuth state (associate flow, with sub) as an access token",
    send: async (ctx) => me(ctx, oauthState((await ctx.shared()).id)),
    expect: unauthorized
  },
  {
    name: "an access token at /auth/verify",
    send: async (ctx) => verify(ctx, (await ctx.shared()).jwt),
    expect: badVerify
  },
  {
    name: "an access token at /auth/reset-password",
    send: async (ctx) => reset(ctx, (await ctx.shared()).jwt),
    expect: badReset
  },
  {
    name: "a verify token at /auth/reset-password",
    only: actionTokens,
    send: async (ctx) => reset(ctx, (await verifyToken(ctx)).token),
    expect: badReset
  },
  {
    name: "a reset token at /auth/verify",
    only: actionTokens,
    send: async (ctx) => verify(ctx, (await resetToken(ctx)).token),
    expect: badVerify
  },
  {
    name: "an OAuth state at /auth/verify",
    only: actionTokens,
    send: async (ctx) => verify(ctx, oauthState((await ctx.shared()).id)),
    expect: badVerify
  },
  {
    name: "an OAuth state at /auth/reset-password",
    only: actionTokens,
    send: async (ctx) => reset(ctx, oauthState((await ctx.shared()).id)),
    expect: badReset
  },
  {
    // (as an access token it is accepted, as PyJWT accepts an audience list that overlaps: only the secret's holder can
    // write one, and the server never does)
    name: "a verify token naming both the verify and the auth audience, at /auth/verify",
    only: ["HS256"],
    send: async (ctx) => {
      const v = await ctx.shared()
      const token = hmac({ alg: "HS256", typ: "JWT" }, {
        sub: v.id,
        email: v.email,
        aud: ["fastapi-users:verify", ...AUTH],
        exp: now() + 600
      }, SECRET)
      return verify(ctx, token)
    },
    expect: badVerify
  },
  {
    name: "a verify token with typ other than JWT",
    only: actionTokens,
    send: async (ctx) => {
      const v = await ctx.shared()
      return verify(
        ctx,
        hmac({ alg: "HS256", typ: "at+jwt" }, {
          sub: v.id,
          email: v.email,
          aud: "fastapi-users:verify",
          exp: now() + 600
        }, SECRET)
      )
    },
    expect: badVerify
  },
  {
    name: "a reset token with crit",
    only: actionTokens,
    send: async (ctx) => {
      const { token } = await resetToken(ctx)
      const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as object
      return reset(ctx, hmac({ alg: "HS256", typ: "JWT", crit: ["exp"] }, payload, SECRET))
    },
    expect: badReset
  },

  // lifetime
  {
    name: "expired (exp one second ago)",
    send: async (ctx) => me(ctx, await withClaims(ctx, { exp: now() - 1 })),
    expect: unauthorized
  },
  {
    name: "expired (exp exactly now)",
    send: async (ctx) => me(ctx, await withClaims(ctx, { exp: now() })),
    expect: unauthorized
  },
  {
    name: "not yet valid (nbf in a minute)",
    send: async (ctx) => me(ctx, await withClaims(ctx, { nbf: now() + 60 })),
    expect: unauthorized
  },
  {
    name: "issued in the future (iat in a minute)",
    send: async (ctx) => me(ctx, await withClaims(ctx, { iat: now() + 60 })),
    expect: unauthorized
  },
  {
    name: "an expired verify token",
    only: actionTokens,
    send: async (ctx) => {
      const v = await ctx.shared()
      return verify(
        ctx,
        hmac(
          { alg: "HS256", typ: "JWT" },
          { sub: v.id, email: v.email, aud: "fastapi-users:verify", exp: now() - 1 },
          SECRET
        )
      )
    },
    expect: badVerify
  },

  // tampering
  {
    name: "signature with one bit flipped",
    send: async (ctx) => me(ctx, flipBit(await withClaims(ctx, {}))),
    expect: unauthorized
  },
  {
    name: "signature spelled non-canonically (same bytes)",
    send: async (ctx) => me(ctx, nonCanonical(await withClaims(ctx, {}))),
    expect: unauthorized
  },
  {
    name: "signature stripped",
    send: async (ctx) => me(ctx, segment(await withClaims(ctx, {}), 2, "")),
    expect: unauthorized
  },
  {
    name: "payload swapped to another user, signature kept",
    send: async (ctx) => {
      const token = await withClaims(ctx, {})
      const other = await ctx.victim()
      return me(ctx, segment(token, 1, b64(JSON.stringify({ sub: other.id, aud: AUTH, exp: now() + 600 }))))
    },
    expect: unauthorized
  },
  {
    name: "a real verify token with its e-mail claim changed, signature kept",
    only: actionTokens,
    send: async (ctx) => {
      const { token } = await verifyToken(ctx)
      const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Record<
        string,
        unknown
      >
      return verify(ctx, segment(token, 1, b64(JSON.stringify({ ...payload, email: `x${String(payload.email)}` }))))
    },
    expect: badVerify
  },
  {
    name: "crit naming an unknown extension",
    send: async (ctx) => me(ctx, await withClaims(ctx, {}, { crit: ["exp"], exp: now() + 60 })),
    expect: unauthorized
  },
  {
    name: "crit b64 with an unencoded payload",
    send: async (ctx) => me(ctx, await withClaims(ctx, {}, { crit: ["b64"], b64: false })),
    expect: unauthorized
  },
  {
    name: "oversized (over 8 KiB), otherwise valid",
    send: async (ctx) => me(ctx, await withClaims(ctx, { pad: "x".repeat(9_000) })),
    expect: unauthorized
  },
  {
    name: "sub of no user",
    send: async (ctx) => me(ctx, ctx.sign({ sub: randomUUID(), aud: AUTH, exp: now() + 600 })),
    expect: unauthorized
  },
  {
    name: "sub not an id",
    send: async (ctx) => me(ctx, ctx.sign({ sub: "../admin", aud: AUTH, exp: now() + 600 })),
    expect: unauthorized
  },

  // state: tokens that were valid once
  {
    name: "a reset token used a second time",
    only: actionTokens,
    send: async (ctx) => {
      const { token } = await resetToken(ctx)
      assert.strictEqual((await reset(ctx, token, "first-new-password")).status, 200)
      return reset(ctx, token, "second-new-password")
    },
    expect: badReset
  },
  {
    name: "a reset token after the password changed through PATCH /users/me",
    only: actionTokens,
    send: async (ctx) => {
      const { victim, token } = await resetToken(ctx)
      assert.strictEqual(
        (await call(ctx.base, "PATCH", "/users/me", { bearer: victim.jwt, json: { password: "changed-otherwise" } }))
          .status,
        200
      )
      return reset(ctx, token)
    },
    expect: badReset
  },
  {
    name: "a verify token after the e-mail changed",
    only: actionTokens,
    send: async (ctx) => {
      const { victim, token } = await verifyToken(ctx)
      const email = `moved.${randomBytes(4).toString("hex")}@example.com`
      assert.strictEqual(
        (await call(ctx.base, "PATCH", "/users/me", { bearer: victim.jwt, json: { email } })).status,
        200
      )
      return verify(ctx, token)
    },
    expect: badVerify
  },
  ...(["db", "redis"] as const).flatMap((backend): Array<Row> => [
    {
      name: `a ${backend} token after logout`,
      only: ["HS256"],
      send: async (ctx) => {
        const v = await ctx.victim()
        const token = accessToken(await login(ctx, backend, v.email))
        assert.strictEqual((await me(ctx, token)).status, 200)
        assert.strictEqual((await call(ctx.base, "POST", `/auth/${backend}/logout`, { bearer: token })).status, 204)
        return me(ctx, token)
      },
      expect: unauthorized
    }
  ]),
  ...(["jwt", "db", "redis"] as const).flatMap((backend) =>
    (["deactivate", "delete"] as const).map((action): Row => ({
      name: `a ${backend} token of a user the superuser ${action === "delete" ? "deleted" : "deactivated"}`,
      ...(backend === "jwt" ? {} : { only: ["HS256"] as const }),
      send: async (ctx) => {
        const v = await ctx.victim()
        const token = backend === "jwt" ? v.jwt : accessToken(await login(ctx, backend, v.email))
        assert.strictEqual((await me(ctx, token)).status, 200)
        await administer(ctx, v.id, action)
        return me(ctx, token)
      },
      expect: unauthorized
    }))
  )
]

const algorithms: ReadonlyArray<Algorithm> = ["HS256", "RS256", "ES256", "EdDSA"]

describe("token attacks against the running example server, one table", () => {
  const servers = new Map<Algorithm, { server: RunningServer; keys: Keys }>()

  beforeAll(async () => {
    await Promise.all(algorithms.map(async (algorithm) => {
      const keys = generate(algorithm)
      const env: Record<string, string> = { REDIS_URL: requireUrl("REDIS_URL"), JWT_ALGORITHM: algorithm }
      if (keys.privateKey !== undefined) {
        env.JWT_PRIVATE_KEY = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString()
      }
      servers.set(algorithm, { server: await startExample(SECRET, env), keys })
    }))
  }, 180_000)

  afterAll(async () => {
    await Promise.all([...servers.values()].map(({ server }) => server.stop()))
  })

  const contexts = new Map<Algorithm, Context>()
  const contextOf = (algorithm: Algorithm): Context => {
    const known = contexts.get(algorithm)
    if (known !== undefined) return known
    const entry = servers.get(algorithm)
    if (entry === undefined) throw new Error(`the ${algorithm} server did not start`)
    const { server, keys } = entry
    const base = server.url
    let superuser: Promise<string> | undefined
    let shared: Promise<Victim> | undefined
    const context: Context = {
      base,
      keys,
      sign: (claims = {}, header = {}) => {
        const h = clean({ alg: algorithm, typ: "JWT", ...header })
        const p = clean(claims)
        if (keys.privateKey === undefined) return hmac(h, p, SECRET)
        // a header naming another real algorithm of the key's family is signed as that one; any other as the server's
        const as = h.alg === "PS256" || h.alg === "RS512" ? h.alg : algorithm
        return asymmetric(as, h, p, keys.privateKey)
      },
      victim: async () => {
        const email = `victim.${randomBytes(5).toString("hex")}@example.com`
        const registered = await call(base, "POST", "/auth/register", { json: { email, password: PASSWORD } })
        assert.strictEqual(registered.status, 201, registered.text)
        const id = (JSON.parse(registered.text) as { id: string }).id
        return { id, email, jwt: accessToken(await login(contextOf(algorithm), "jwt", email)) }
      },
      tokenFor: async (email, kind, previous = null) => {
        const deadline = Date.now() + 10_000
        while (Date.now() < deadline) {
          const reply = await call(base, "GET", `/__test__/tokens?email=${encodeURIComponent(email)}`)
          const token = (JSON.parse(reply.text) as Record<string, string | null>)[kind] ?? null
          if (token !== null && token !== previous) return token
          await new Promise((r) => setTimeout(r, 20))
        }
        throw new Error(`no ${kind} token for ${email} within 10 s`)
      },
      shared: () => {
        shared ??= context.victim()
        return shared
      },
      superuser: () => {
        superuser ??= (async () => {
          const email = `root.${randomBytes(5).toString("hex")}@example.com`
          const reply = await call(base, "POST", "/__test__/superuser", { json: { email, password: PASSWORD } })
          assert.strictEqual(reply.status, 201, reply.text)
          return accessToken(await login(contextOf(algorithm), "jwt", email))
        })()
        return superuser
      }
    }
    contexts.set(algorithm, context)
    return context
  }

  for (const algorithm of algorithms) {
    for (const row of rows.filter((r) => r.only === undefined || r.only.includes(algorithm))) {
      it(`${algorithm}: ${row.name} → ${row.expect.status}${row.expect.detail === undefined ? "" : ` ${row.expect.detail}`}`, async () => {
        const answer = await row.send(contextOf(algorithm))
        assert.strictEqual(answer.status, row.expect.status, answer.text)
        if (row.expect.detail !== undefined) {
          assert.deepStrictEqual(JSON.parse(answer.text), { detail: row.expect.detail })
        }
      })
    }
  }
})
