/**
 * Asymmetric JWT keys for `JwtStrategy` (RS256, ES256, EdDSA): the current signing key and older verification keys,
 * each with a `kid`, imported once; rotation; and the public JWKS document that publishes them.
 *
 * @since 0.0.0
 */
import { Effect, Redacted, Schema } from "effect"
import { calculateJwkThumbprint } from "jose"
import type { JWK } from "jose"
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto"
import type { JsonWebKey, KeyObject, webcrypto } from "node:crypto"

/**
 * An asymmetric JWS algorithm a key set signs with (PyJWT's names; `EdDSA` is Ed25519).
 *
 * @since 0.0.0
 * @category models
 */
export type Algorithm = "RS256" | "ES256" | "EdDSA"

/**
 * Key material: a PEM string (PKCS#8, PKCS#1 or SEC1 for a private key; SPKI, PKCS#1 or an X.509 certificate for a
 * public one) or a JSON Web Key.
 *
 * @since 0.0.0
 * @category models
 */
export type KeyMaterial = string | JsonWebKey

/**
 * The signing key: its private key (a secret, hence `Redacted`) and its `kid` (by default the RFC 7638 thumbprint
 * of its public key).
 *
 * @since 0.0.0
 * @category models
 */
export interface SigningKeyInput {
  readonly privateKey: Redacted.Redacted<KeyMaterial>
  readonly kid?: string | undefined
}

/**
 * A verification-only key (an older signing key kept so its tokens stay valid until they expire).
 *
 * @since 0.0.0
 * @category models
 */
export interface VerificationKeyInput {
  readonly publicKey: KeyMaterial
  readonly kid?: string | undefined
}

/**
 * A key could not be imported, does not suit the algorithm, or the set would be inconsistent (duplicate `kid`,
 * removing the signing key). The message never contains key material.
 *
 * @since 0.0.0
 * @category errors
 */
export class JwtKeyError extends Schema.TaggedError<JwtKeyError>()("JwtKeyError", {
  message: Schema.String
}) {}

/**
 * A public key of the set, imported once for verification.
 *
 * @since 0.0.0
 * @category models
 */
export interface VerificationKey {
  readonly kid: string
  /** The public JWK as published (`kid`, `alg`, `use: "sig"`). */
  readonly jwk: JWK
  readonly key: webcrypto.CryptoKey
}

/**
 * A key set: the current signing key (non-extractable, `Redacted`) and every key that verifies, current first.
 *
 * @since 0.0.0
 * @category models
 */
export interface KeySet {
  readonly algorithm: Algorithm
  /** The `kid` of the current signing key, written in the header of every new token. */
  readonly kid: string
  readonly signingKey: Redacted.Redacted<webcrypto.CryptoKey>
  /** Verification keys by `kid`, the current signing key's public key first. */
  readonly verificationKeys: ReadonlyMap<string, VerificationKey>
}

const webCrypto: Record<Algorithm, webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | { name: string }> = {
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  ES256: { name: "ECDSA", namedCurve: "P-256" },
  EdDSA: { name: "Ed25519" }
}

const suits = (algorithm: Algorithm, key: KeyObject): string | undefined => {
  const details = key.asymmetricKeyDetails
  switch (algorithm) {
    case "RS256":
      return key.asymmetricKeyType !== "rsa"
        ? "RS256 needs an RSA key"
        : (details?.modulusLength ?? 0) < 2048
        ? "RS256 needs an RSA key of at least 2048 bits"
        : undefined
    case "ES256":
      return key.asymmetricKeyType === "ec" && details?.namedCurve === "prime256v1"
        ? undefined
        : "ES256 needs an EC key on P-256"
    case "EdDSA":
      return key.asymmetricKeyType === "ed25519" ? undefined : "EdDSA needs an Ed25519 key"
  }
}

const importWith = (
  make: () => KeyObject,
  what: string,
  algorithm: Algorithm
): Effect.Effect<KeyObject, JwtKeyError> =>
  Effect.suspend(() => {
    let key: KeyObject
    try {
      key = make()
    } catch {
      // The driver's message may quote the input: never pass it on.
      return Effect.fail(new JwtKeyError({ message: `the ${what} could not be imported` }))
    }
    const unsuitable = suits(algorithm, key)
    return unsuitable === undefined
      ? Effect.succeed(key)
      : Effect.fail(new JwtKeyError({ message: `the ${what} does not suit ${algorithm}: ${unsuitable}` }))
  })

const asInput = (material: KeyMaterial) =>
  typeof material === "string" ? material : { key: material, format: "jwk" as const }

const toVerificationKey = (
  algorithm: Algorithm,
  publicKey: KeyObject,
  kid: string | undefined
): Effect.Effect<VerificationKey, JwtKeyError> =>
  Effect.gen(function*() {
    const exported = publicKey.export({ format: "jwk" })
    const id = kid ?? (yield* Effect.promise(() => calculateJwkThumbprint(publicKey)))
    if (id === "") return yield* new JwtKeyError({ message: "a kid must not be empty" })
    const key = yield* Effect.try({
      try: () => publicKey.toCryptoKey(webCrypto[algorithm], true, ["verify"]),
      catch: () => new JwtKeyError({ message: `the public key ${id} could not be imported for ${algorithm}` })
    })
    return { kid: id, jwk: { ...exported, kid: id, alg: algorithm, use: "sig" } as JWK, key }
  })

const importSigning = (
  algorithm: Algorithm,
  input: SigningKeyInput
): Effect.Effect<
  { readonly signing: Redacted.Redacted<webcrypto.CryptoKey>; readonly verification: VerificationKey },
  JwtKeyError
> =>
  Effect.gen(function*() {
    const privateKey = yield* importWith(
      () => createPrivateKey(asInput(Redacted.value(input.privateKey))),
      "private key",
      algorithm
    )
    const verification = yield* toVerificationKey(algorithm, createPublicKey(privateKey), input.kid)
    const cryptoKey = yield* Effect.try({
      try: () => privateKey.toCryptoKey(webCrypto[algorithm], false, ["sign"]),
      catch: () => new JwtKeyError({ message: `the private key ${verification.kid} could not be imported` })
    })
    return { signing: Redacted.make(cryptoKey, { label: `JwtKeySet signing key ${verification.kid}` }), verification }
  })

const importVerification = (
  algorithm: Algorithm,
  input: VerificationKeyInput
): Effect.Effect<VerificationKey, JwtKeyError> =>
  Effect.flatMap(
    importWith(() => createPublicKey(asInput(input.publicKey)), "public key", algorithm),
    (key) => toVerificationKey(algorithm, key, input.kid)
  )

const assemble = (
  algorithm: Algorithm,
  signing: Redacted.Redacted<webcrypto.CryptoKey>,
  current: VerificationKey,
  others: Iterable<VerificationKey>
): Effect.Effect<KeySet, JwtKeyError> =>
  Effect.suspend(() => {
    const verificationKeys = new Map<string, VerificationKey>([[current.kid, current]])
    for (const key of others) {
      if (verificationKeys.has(key.kid)) {
        return Effect.fail(new JwtKeyError({ message: `duplicate kid ${JSON.stringify(key.kid)} in the key set` }))
      }
      verificationKeys.set(key.kid, key)
    }
    return Effect.succeed({ algorithm, kid: current.kid, signingKey: signing, verificationKeys })
  })

/**
 * Imports a key set once: the signing key and any older verification keys, all checked against the algorithm
 * (RSA ≥ 2048 bits, P-256, Ed25519). A `kid` defaults to the RFC 7638 thumbprint of the public key.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (options: {
  readonly algorithm: Algorithm
  readonly signing: SigningKeyInput
  readonly verification?: ReadonlyArray<VerificationKeyInput> | undefined
}): Effect.Effect<KeySet, JwtKeyError> =>
  Effect.gen(function*() {
    const { signing, verification } = yield* importSigning(options.algorithm, options.signing)
    const others = yield* Effect.forEach(options.verification ?? [], (input) =>
      importVerification(options.algorithm, input))
    return yield* assemble(options.algorithm, signing, verification, others)
  })

/**
 * Rotates the key set: `signing` becomes the current key and the previous signing key stays as a verification key,
 * so tokens it signed remain valid until they expire (remove it with `removeKey` once they have).
 *
 * @since 0.0.0
 * @category combinators
 */
export const rotate = (keySet: KeySet, signing: SigningKeyInput): Effect.Effect<KeySet, JwtKeyError> =>
  Effect.flatMap(
    importSigning(keySet.algorithm, signing),
    (next) => assemble(keySet.algorithm, next.signing, next.verification, keySet.verificationKeys.values())
  )

/**
 * Removes a verification key: tokens signed with it stop verifying. The current signing key cannot be removed.
 *
 * @since 0.0.0
 * @category combinators
 */
export const removeKey = (keySet: KeySet, kid: string): Effect.Effect<KeySet, JwtKeyError> =>
  Effect.suspend(() => {
    if (kid === keySet.kid) {
      return Effect.fail(new JwtKeyError({ message: `kid ${JSON.stringify(kid)} is the current signing key` }))
    }
    if (!keySet.verificationKeys.has(kid)) {
      return Effect.fail(new JwtKeyError({ message: `kid ${JSON.stringify(kid)} is not in the key set` }))
    }
    const verificationKeys = new Map(keySet.verificationKeys)
    verificationKeys.delete(kid)
    return Effect.succeed({ ...keySet, verificationKeys })
  })

/**
 * The public JWKS document of the key set (`{ keys: [...] }`, current key first), to publish at e.g.
 * `/.well-known/jwks.json`: only public members, each with `kid`, `alg` and `use: "sig"`.
 *
 * @since 0.0.0
 * @category getters
 */
export const jwks = (keySet: KeySet): { readonly keys: ReadonlyArray<JWK> } => ({
  keys: Array.from(keySet.verificationKeys.values(), (key) => key.jwk)
})

/**
 * Generates a fresh key pair as PEM (PKCS#8 private key, `Redacted`; SPKI public key): for development, tests, or
 * a key-generation script. Production keys come from configuration.
 *
 * @since 0.0.0
 * @category constructors
 */
export const generatePem = (
  algorithm: Algorithm
): Effect.Effect<{ readonly privateKey: Redacted.Redacted<string>; readonly publicKey: string }> =>
  Effect.sync(() => {
    const publicKeyEncoding = { type: "spki", format: "pem" } as const
    const privateKeyEncoding = { type: "pkcs8", format: "pem" } as const
    const pair = algorithm === "RS256"
      ? generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding })
      : algorithm === "ES256"
      ? generateKeyPairSync("ec", { namedCurve: "prime256v1", publicKeyEncoding, privateKeyEncoding })
      : generateKeyPairSync("ed25519", { publicKeyEncoding, privateKeyEncoding })
    return { privateKey: Redacted.make(pair.privateKey, { label: "JwtKeySet private key" }), publicKey: pair.publicKey }
  })
