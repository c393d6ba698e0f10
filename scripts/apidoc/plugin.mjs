// A TypeDoc plugin for the effect-users reference: modules are named by their import path
// (`@effect-users/core/User` rather than `core/src/User`), and the members a class inherits from Effect's base
// classes (`Context.Service`, `Schema.TaggedErrorClass`...) are left out: they belong to Effect's documentation.
import { Converter, ReflectionKind } from "typedoc"

/** @param {import("typedoc").Application} app */
export const load = (app) => {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const project = context.project
    for (const reflection of Object.values(project.reflections)) {
      if (reflection.kindOf(ReflectionKind.Module)) {
        reflection.name = `@effect-users/${reflection.name.replace("/src/", "/")}`
      } else if ("inheritedFrom" in reflection && reflection.inheritedFrom !== undefined) {
        project.removeReflection(reflection)
      }
    }
  })
}
