/**
 * The example application that `npm start` runs. The HTTP server arrives with transport-http (issue 6); until
 * then this entry point says so.
 */
process.stdout.write(
  "effect-users example server: the HTTP server arrives with the transport-http issue; nothing to serve yet.\n"
)
