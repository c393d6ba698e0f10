/**
 * The verification and reset-password messages: subjects and bodies (plain text and HTML) built from a catalogue of
 * strings per language, which an application translates or replaces; or whole templates of its own.
 *
 * @since 0.0.0
 */
import type { User } from "@effect-users/core/User"

/**
 * A message ready to send.
 *
 * @since 0.0.0
 * @category models
 */
export interface Rendered {
  readonly subject: string
  readonly text: string
  readonly html: string
}

/**
 * What a template is given: the recipient, the token and the front-end link that carries it.
 *
 * @since 0.0.0
 * @category models
 */
export interface TemplateContext {
  readonly user: User
  readonly token: string
  readonly link: string
}

/**
 * Renders one kind of message.
 *
 * @since 0.0.0
 * @category models
 */
export type Template = (context: TemplateContext) => Rendered

/**
 * The two templates a mailer needs.
 *
 * @since 0.0.0
 * @category models
 */
export interface Templates {
  readonly verify: Template
  readonly resetPassword: Template
}

/**
 * The strings of one message in one language; the layout puts `action` on the link, below `intro`, and `outro` last.
 *
 * @since 0.0.0
 * @category models
 */
export interface MessageStrings {
  readonly subject: string
  readonly intro: string
  readonly action: string
  readonly outro: string
}

/**
 * The strings of both messages in one language.
 *
 * @since 0.0.0
 * @category models
 */
export interface Catalogue {
  readonly verify: MessageStrings
  readonly resetPassword: MessageStrings
}

/**
 * The English strings (the default catalogue).
 *
 * @since 0.0.0
 * @category constructors
 */
export const english: Catalogue = {
  verify: {
    subject: "Confirm your e-mail address",
    intro: "Please confirm your e-mail address by opening the link below.",
    action: "Confirm my e-mail address",
    outro: "If you did not create an account, you can ignore this message."
  },
  resetPassword: {
    subject: "Reset your password",
    intro: "Someone asked to reset the password of your account. Open the link below to choose a new one.",
    action: "Choose a new password",
    outro: "If you did not ask for this, you can ignore this message: your password stays as it is."
  }
}

const HTML_ESCAPES: { readonly [char: string]: string } = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  "\"": "&quot;",
  "'": "&#39;"
}

/**
 * Escapes text for HTML content and attribute values (so a link's `&` is written `&amp;`).
 *
 * @since 0.0.0
 * @category constructors
 */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char)

/**
 * Lays one message's strings out as plain text and as HTML; every string is escaped in the HTML part.
 *
 * @since 0.0.0
 * @category constructors
 */
export const layout = (strings: MessageStrings, link: string): Rendered => ({
  subject: strings.subject,
  text: `${strings.intro}\n\n${strings.action}: ${link}\n\n${strings.outro}\n`,
  html: "<!doctype html>\n<html><body>\n" +
    `<p>${escapeHtml(strings.intro)}</p>\n` +
    `<p><a href="${escapeHtml(link)}">${escapeHtml(strings.action)}</a></p>\n` +
    `<p>${escapeHtml(strings.outro)}</p>\n` +
    "</body></html>\n"
})

/**
 * Templates from a catalogue chosen per recipient (e.g. by a `locale` custom field of the user).
 *
 * @since 0.0.0
 * @category constructors
 */
export const fromCatalogue = (select: (user: User) => Catalogue): Templates => ({
  verify: ({ link, user }) => layout(select(user).verify, link),
  resetPassword: ({ link, user }) => layout(select(user).resetPassword, link)
})

/**
 * The default templates: the English catalogue for everybody.
 *
 * @since 0.0.0
 * @category constructors
 */
export const defaults: Templates = fromCatalogue(() => english)
