-- GETs with a bearer token (BENCH_TOKEN) on paths that vary per request:
--   BENCH_PATHS=FILE     one path per line, picked at random
--   BENCH_IDS=LO:HI      BENCH_PATH_FMT with a random id in [LO, HI]
-- Requests from a file are formatted once, in init, so the per-request
-- Lua cost is a table lookup.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local reqs, lo, hi, fmt
local nthreads = 0

function setup(thread)
   thread:set("tidx", nthreads)
   nthreads = nthreads + 1
end

function init(args)
   local headers = common.auth_headers()
   for k, v in pairs(headers) do wrk.headers[k] = v end
   local file = os.getenv("BENCH_PATHS")
   if file and file ~= "" then
      reqs = {}
      for line in io.lines(file) do
         if line ~= "" then reqs[#reqs + 1] = wrk.format("GET", line) end
      end
      assert(#reqs > 0, "no paths in " .. file)
   else
      lo, hi = os.getenv("BENCH_IDS"):match("^(%d+):(%d+)$")
      lo, hi = tonumber(lo), tonumber(hi)
      fmt = os.getenv("BENCH_PATH_FMT")
   end
   math.randomseed(os.time() * 100 + tidx)
end

function request()
   if reqs then return reqs[math.random(#reqs)] end
   return wrk.format("GET", string.format(fmt, math.random(lo, hi)))
end

function done(summary, latency, requests)
   common.done_line(summary, latency)
end
