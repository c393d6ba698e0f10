/**
 * @since 0.0.0
 */
export * as TestServices from "./TestServices.ts"
