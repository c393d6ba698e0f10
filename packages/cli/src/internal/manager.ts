import * as DeliveryQueue from "@effect-users/core/DeliveryQueue"
import * as Mailer from "@effect-users/core/Mailer"
import * as PasswordPolicy from "@effect-users/core/PasswordPolicy"
import * as UserHooks from "@effect-users/core/UserHooks"
import * as UserManager from "@effect-users/core/UserManager"
import { Layer, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { hasher } from "./hashing.ts"
import type { Storage } from "./storage.ts"
import { userRepository } from "./storage.ts"

// The CLI issues no verification or reset token, so the manager gets secrets of its own that nothing can use.
const unusedSecret = () => Redacted.make(randomBytes(32).toString("base64url"))

/** core's `UserManager` on the storage, without hooks or mail (a command is not a registration). */
export const manager = (
  storage: Storage,
  options: { readonly hashParams: "owasp" | "fastapi"; readonly minPasswordLength: number }
) =>
  UserManager.layer({ verificationTokenSecret: unusedSecret(), resetPasswordTokenSecret: unusedSecret() }).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        hasher(options.hashParams),
        PasswordPolicy.layerMinLength(options.minPasswordLength),
        UserHooks.layer,
        Mailer.layerConsole,
        DeliveryQueue.layer()
      )
    ),
    Layer.provideMerge(userRepository(storage))
  )
