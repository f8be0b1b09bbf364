-- Shared by every bench/wrk script (loaded with dofile from each of them).
-- done() prints one machine-readable line that bench/run parses:
--   BENCH {"requests": ..., "p99_us": ..., ...}
-- Latencies are wrk's, in microseconds. `extra` (a function returning
-- "key":value text) lets a script add its own counters.

local M = {}

function M.done_line(summary, latency, extra)
   local e = summary.errors
   local s = string.format(
      '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"max_us":%.0f,"mean_us":%.1f,' ..
      '"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
      '"status_errors":%d,"timeouts":%d',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.max, latency.mean,
      e.connect, e.read, e.write, e.status, e.timeout)
   if extra then
      local x = extra()
      if x and x ~= "" then s = s .. "," .. x end
   end
   io.write("BENCH " .. s .. "}\n")
end

-- The bearer token, if bench/run gave one.
function M.auth_headers()
   local h = {}
   local token = os.getenv("BENCH_TOKEN")
   if token and token ~= "" then h["Authorization"] = "Bearer " .. token end
   return h
end

return M
