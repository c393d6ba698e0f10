/**
 * `effect-users jwks generate | rotate | public`: key-set files for strategy-jwt's `JwtKeySet` — the current signing
 * key (PKCS#8 PEM) and the older keys that still verify (public JWKs) — and the public JWKS document to publish.
 *
 * A key-set file is JSON: `{ "algorithm", "signing": { "kid", "privateKey" }, "verification": [{ "kid",
 * "publicKey" }] }`, the shape `JwtKeySet.make` takes (wrap `privateKey` in `Redacted.make`).
 *
 * @since 0.1.0
 */
import * as JwtKeySet from "@effect-users/strategy-jwt/JwtKeySet"
import { Console, Effect, FileSystem, Option, Redacted, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { failed, usage } from "./CliFailure.ts"

/**
 * A key-set file as `jwks generate` writes it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const KeySetFile = Schema.Struct({
  algorithm: Schema.Literals(["RS256", "ES256", "EdDSA"]),
  signing: Schema.Struct({ kid: Schema.String, privateKey: Schema.String }),
  verification: Schema.Array(Schema.Struct({
    kid: Schema.String,
    publicKey: Schema.Record(Schema.String, Schema.Unknown)
  }))
})

/**
 * The decoded {@link KeySetFile}.
 *
 * @since 0.1.0
 * @category models
 */
export type KeySetFile = typeof KeySetFile.Type

const keyError = (error: JwtKeySet.JwtKeyError) => failed("invalid key set", error)

const importFile = (file: KeySetFile) =>
  JwtKeySet.make({
    algorithm: file.algorithm,
    signing: { kid: file.signing.kid, privateKey: Redacted.make(file.signing.privateKey) },
    verification: file.verification.map((key) => ({ kid: key.kid, publicKey: key.publicKey }))
  }).pipe(Effect.mapError(keyError))

// The file of a key set: its signing key's PEM (which the set keeps non-extractable) and every other key's public JWK.
const toFile = (keySet: JwtKeySet.KeySet, privateKey: Redacted.Redacted<string>, keep: number): KeySetFile => ({
  algorithm: keySet.algorithm,
  signing: { kid: keySet.kid, privateKey: Redacted.value(privateKey) },
  verification: JwtKeySet.jwks(keySet).keys.filter((jwk) => jwk.kid !== keySet.kid).slice(0, keep).map((jwk) => ({
    kid: jwk.kid ?? "",
    publicKey: { ...jwk }
  }))
})

const readFile = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(path).pipe(Effect.mapError((e) => usage(`cannot read ${path}: ${e.message}`)))
    const json = yield* Effect.try({ try: (): unknown => JSON.parse(text), catch: () => usage(`${path} is not JSON`) })
    return yield* Schema.decodeUnknownEffect(KeySetFile)(json).pipe(
      Effect.mapError((e) => usage(`${path} is not a key-set file: ${e.message.replace(/\s+/gu, " ")}`))
    )
  })

// Written next to the target and renamed over it, readable by the owner only: the file holds a private key.
const writeFile = (path: string, file: KeySetFile) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const temporary = `${path}.${process.pid}.tmp`
    yield* fs.writeFileString(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
    yield* fs.rename(temporary, path)
  }).pipe(Effect.mapError((e) => failed(`cannot write ${path}`, e)))

const writePublic = (path: Option.Option<string>, keySet: JwtKeySet.KeySet) =>
  Option.match(path, {
    onNone: () => Effect.void,
    onSome: (target) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        yield* fs.writeFileString(target, `${JSON.stringify(JwtKeySet.jwks(keySet), null, 2)}\n`)
      }).pipe(Effect.mapError((e) => failed(`cannot write ${target}`, e)))
  })

const publicFlag = Flag.String("public").pipe(
  Flag.withDescription("also write the public JWKS document ({ keys: [...] }) to this path"),
  Flag.optional
)

const generate = Command.make(
  "generate",
  {
    algorithm: Flag.Literals("alg", ["ES256", "EdDSA", "RS256"]).pipe(
      Flag.withDescription("the signing algorithm"),
      Flag.withDefault("ES256")
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription("write the key-set file here (mode 600) instead of stdout"),
      Flag.optional
    ),
    public: publicFlag
  },
  Effect.fn("effect-users jwks generate")(function*(flags) {
    const pair = yield* JwtKeySet.generatePem(flags.algorithm)
    const keySet = yield* JwtKeySet.make({ algorithm: flags.algorithm, signing: { privateKey: pair.privateKey } }).pipe(
      Effect.mapError(keyError)
    )
    const file = toFile(keySet, pair.privateKey, 0)
    yield* Option.match(flags.out, {
      onNone: () => Console.log(JSON.stringify(file, null, 2)),
      onSome: (path) => Effect.andThen(writeFile(path, file), Console.error(`jwks: wrote ${path} (kid ${keySet.kid})`))
    })
    yield* writePublic(flags.public, keySet)
  })
).pipe(Command.withDescription("Generate a key-set file with one fresh signing key."))

const rotate = Command.make(
  "rotate",
  {
    file: Argument.String("file").pipe(Argument.withDescription("the key-set file, rewritten in place")),
    keep: Flag.Int("keep").pipe(
      Flag.withDescription("keep at most this many older keys for verification (the newest first)"),
      Flag.withDefault(2)
    ),
    public: publicFlag
  },
  Effect.fn("effect-users jwks rotate")(function*(flags) {
    const current = yield* readFile(flags.file)
    const keySet = yield* importFile(current)
    const pair = yield* JwtKeySet.generatePem(keySet.algorithm)
    const rotated = yield* JwtKeySet.rotate(keySet, { privateKey: pair.privateKey }).pipe(Effect.mapError(keyError))
    yield* writeFile(flags.file, toFile(rotated, pair.privateKey, flags.keep))
    yield* writePublic(flags.public, rotated)
    yield* Console.log(`jwks: new signing key ${rotated.kid}; ${current.signing.kid} now verifies only`)
  })
).pipe(
  Command.withDescription(
    "Add a fresh signing key; the previous one keeps verifying the tokens it signed until they expire."
  )
)

const publish = Command.make(
  "public",
  { file: Argument.String("file").pipe(Argument.withDescription("the key-set file")) },
  Effect.fn("effect-users jwks public")(function*(flags) {
    const keySet = yield* importFile(yield* readFile(flags.file))
    yield* Console.log(JSON.stringify(JwtKeySet.jwks(keySet), null, 2))
  })
).pipe(
  Command.withDescription("Print the public JWKS document of a key-set file (to publish at /.well-known/jwks.json).")
)

/**
 * The `jwks` command and its subcommands.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("jwks").pipe(
  Command.withDescription("Key sets for strategy-jwt (RS256, ES256, EdDSA): generate, rotate, publish."),
  Command.withSubcommands([generate, rotate, publish])
)
