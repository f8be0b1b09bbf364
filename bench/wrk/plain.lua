-- One fixed request, wrk's own fast path (no request() in Lua): /healthz,
-- the bare handler, nginx, the dashboard. BENCH_TOKEN adds a bearer token.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

for k, v in pairs(common.auth_headers()) do wrk.headers[k] = v end

function done(summary, latency, requests)
   common.done_line(summary, latency)
end
