import * as DeliveryQueue from "@effect-users/core/DeliveryQueue"
import * as Mailer from "@effect-users/core/Mailer"
import * as PasswordHasher from "@effect-users/core/PasswordHasher"
import * as PasswordPolicy from "@effect-users/core/PasswordPolicy"
import * as User from "@effect-users/core/User"
import * as UserHooks from "@effect-users/core/UserHooks"
import * as UserManager from "@effect-users/core/UserManager"
import * as UserRepository from "@effect-users/core/UserRepository"
import { type Config, type Duration, Effect, Layer, Option, Redacted, type Schema } from "effect"

/** One recorded call: a hook, the mailer, or the hasher. */
export interface Event {
  readonly name: string
  readonly args: ReadonlyArray<unknown>
}

export const VERIFY_SECRET = "verify-secret-for-tests"
export const RESET_SECRET = "reset-secret-for-tests"

export const config: UserManager.UserManagerConfig = {
  verificationTokenSecret: Redacted.make(VERIFY_SECRET),
  resetPasswordTokenSecret: Redacted.make(RESET_SECRET)
}

/**
 * A trivial, fast hasher whose calls are recorded: `fake$<password>` is the current format; `legacy$<password>`
 * verifies and asks for an upgrade; anything else does not verify.
 */
export const fakeHasher = (log: Array<Event>): Layer.Layer<PasswordHasher.PasswordHasher> => {
  let generated = 0
  return Layer.succeed(PasswordHasher.PasswordHasher, {
    hash: (password) =>
      Effect.sync(() => {
        log.push({ name: "hash", args: [password] })
        return `fake$${password}`
      }),
    verifyAndUpdate: (password, hash) =>
      Effect.sync(() => {
        log.push({ name: "verifyAndUpdate", args: [password, hash] })
        if (hash === `fake$${password}`) return { verified: true, updatedHash: Option.none() }
        if (hash === `legacy$${password}`) return { verified: true, updatedHash: Option.some(`fake$${password}`) }
        return { verified: false, updatedHash: Option.none() }
      }),
    generate: Effect.sync(() => `generated-password-${++generated}`)
  })
}

/** Hooks recording their arguments; the delete hooks also record whether the user is still stored. */
export const recordingHooks = (
  log: Array<Event>
): Layer.Layer<UserHooks.UserHooks, never, UserRepository.UserRepository> =>
  Layer.unwrap(Effect.map(UserRepository.UserRepository, (repository) => {
    const record = (name: string) => (...args: ReadonlyArray<unknown>) =>
      Effect.sync(() => void log.push({ name, args }))
    const recordStored = (name: string) => (user: User.User) =>
      repository.get(user.id).pipe(
        Effect.map((stored) => void log.push({ name, args: [user, Option.isSome(stored)] })),
        Effect.orDie
      )
    return UserHooks.layerWith({
      onAfterRegister: record("onAfterRegister"),
      onAfterUpdate: record("onAfterUpdate"),
      onAfterRequestVerify: record("onAfterRequestVerify"),
      onAfterVerify: record("onAfterVerify"),
      onAfterForgotPassword: record("onAfterForgotPassword"),
      onAfterResetPassword: record("onAfterResetPassword"),
      onBeforeDelete: recordStored("onBeforeDelete"),
      onAfterDelete: recordStored("onAfterDelete"),
      onAfterLogin: record("onAfterLogin")
    })
  }))

/** A mailer recording into the same log as the hooks (so their order shows), or failing every delivery. */
export const recordingMailer = (
  log: Array<Event>,
  fails: boolean,
  delay: Duration.Input = 0
): Layer.Layer<Mailer.Mailer> => {
  const send = (name: string) => (user: User.User, token: string) =>
    Effect.andThen(
      Effect.sleep(delay),
      Effect.suspend(() => {
        log.push({ name, args: [user, token] })
        return fails ? Effect.fail(new Mailer.MailerError({ cause: new Error("SMTP down") })) : Effect.void
      })
    )
  return Layer.succeed(Mailer.Mailer, {
    sendVerifyToken: send("sendVerifyToken"),
    sendResetPasswordToken: send("sendResetPasswordToken")
  })
}

export interface EnvOptions {
  readonly model?: Layer.Layer<User.UserModel>
  readonly policy?: Layer.Layer<PasswordPolicy.PasswordPolicy>
  readonly mailerFails?: boolean
  /** How long the mailer takes to deliver (a slow SMTP server). */
  readonly mailerDelay?: Duration.Input
  readonly config?: Partial<UserManager.UserManagerConfig>
  /** Another manager layer (e.g. `layerConfig`) instead of `layer(config)`. */
  readonly manager?: Layer.Layer<UserManager.UserManager, Config.ConfigError, UserManager.Requirements>
}

/**
 * Provides a model of another id kind or with custom fields. The registered model type of these tests is the
 * default one (augmenting `Register` here would retype every test), so the model is handed over untyped: only the
 * runtime matters to the manager, which reads ids and fields through it.
 */
export const layerModel = <I, F extends Schema.Struct.Fields>(model: User.Model<I, F>): Layer.Layer<User.UserModel> =>
  Layer.succeed(User.UserModel, model as unknown as User.RegisteredModel)

/** A fresh manager over fresh memory layers, with its log of hook, mailer and hasher calls. */
export const makeEnv = (options: EnvOptions = {}) => {
  const log: Array<Event> = []
  const model = options.model ?? User.layerDefaultModel
  const ports = Layer.mergeAll(
    fakeHasher(log),
    options.policy ?? PasswordPolicy.layer,
    recordingHooks(log),
    recordingMailer(log, options.mailerFails === true, options.mailerDelay),
    DeliveryQueue.layer()
  ).pipe(Layer.provideMerge(UserRepository.layerMemory), Layer.provideMerge(model))
  const layer = (options.manager ?? UserManager.layer({ ...config, ...options.config })).pipe(
    Layer.provideMerge(ports)
  )
  return {
    layer,
    log,
    /** The names of the calls recorded so far, optionally only those given. */
    names: (only?: ReadonlyArray<string>) =>
      log.map((event) => event.name).filter((name) => only === undefined || only.includes(name)),
    /** The recorded calls with this name. */
    calls: (name: string) => log.filter((event) => event.name === name),
    clear: () => void log.splice(0)
  }
}

/** The JSON header and payload of a JWT, keys in their serialised order. */
export const decodeParts = (token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } => {
  const [header = "", payload = ""] = token.split(".")
  return {
    header: JSON.parse(Buffer.from(header, "base64url").toString("utf8")),
    payload: JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
  }
}
