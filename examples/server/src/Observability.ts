/**
 * The example's telemetry: server spans never record the secrets of a query string (transport-http's `Telemetry`),
 * and with `OTEL_EXPORTER_OTLP_ENDPOINT` set (e.g. `http://127.0.0.1:4318`, an OpenTelemetry Collector) the traces,
 * metrics and logs are exported over OTLP/HTTP (JSON) by Effect's own exporter. Unset, Effect's default tracer
 * records nothing and costs nothing.
 */
import { Telemetry } from "@effect-users/transport-http"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Config, Duration, Layer, Option } from "effect"
import { Otlp } from "effect/observability"

/** The telemetry settings, from the environment. */
export const ObservabilityConfig = Config.all({
  otlpEndpoint: Config.option(Config.String("OTEL_EXPORTER_OTLP_ENDPOINT")),
  serviceName: Config.String("OTEL_SERVICE_NAME").pipe(Config.withDefault("effect-users-example")),
  /** `1` traces `GET /users/me` too (off: a span per request there costs throughput, docs/observability.md). */
  traceHotPath: Config.Boolean("OTEL_TRACE_HOT_PATH").pipe(Config.withDefault(false)),
  /** How often metrics and spans are sent (OTLP exporters batch them). */
  exportInterval: Config.Duration("OTEL_EXPORT_INTERVAL").pipe(Config.withDefault(Duration.seconds(10)))
})

/** The telemetry settings. */
export type ObservabilityConfig = Config.Success<typeof ObservabilityConfig>

/** Redaction always; the OTLP exporter when an endpoint is configured. */
export const layer = (config: ObservabilityConfig): Layer.Layer<never> =>
  Option.match(config.otlpEndpoint, {
    onNone: () => Telemetry.layer,
    onSome: (baseUrl) =>
      Layer.mergeAll(
        Telemetry.layerWith({ traceHotPath: config.traceHotPath }),
        Otlp.layerJson({
          baseUrl,
          resource: { serviceName: config.serviceName },
          metricsExportInterval: config.exportInterval,
          tracerExportInterval: config.exportInterval,
          loggerExportInterval: config.exportInterval
        }).pipe(Layer.provide(NodeHttpClient.layerUndici))
      )
  })
