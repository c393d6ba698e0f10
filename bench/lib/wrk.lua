-- The one wrk script of the bench (bench/lib/wrk.ts drives it). From the environment:
--   BENCH_METHOD (GET), BENCH_HEADERS ("Name: value" lines), BENCH_BODY (the request body), and BENCH_UNIQUE: when
--   set, every request's body is BENCH_BODY with "%d" replaced by a counter (a register storm: one new address per
--   request) and "%s" by BENCH_UNIQUE (a run's prefix, so runs never collide).
-- At the end it prints one JSON line: requests, throughput, latency percentiles (microseconds), error counts.
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then wrk.body = body end
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  if name ~= nil then wrk.headers[name] = value end
end

local unique = os.getenv("BENCH_UNIQUE")
if unique ~= nil and unique ~= "" then
  local counter = 0
  local template = string.gsub(body, "%%s", unique)
  request = function()
    counter = counter + 1
    return wrk.format(nil, nil, nil, (string.gsub(template, "%%d", tostring(counter))))
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50":%.0f,"p90":%.0f,"p99":%.0f,"max":%.0f,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
