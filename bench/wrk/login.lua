-- The login storm: POST /api/v1/sessions with right passwords, as fast as the
-- connections allow; every answer costs an argon2id verification in one of the
-- daemon's hash helper processes. The users are BENCH_LOGIN_PREFIX0 ..
-- BENCH_LOGIN_PREFIX<BENCH_LOGIN_USERS-1>, all with BENCH_LOGIN_PASSWORD,
-- taken round-robin (each thread its own half), so that no user has more
-- than a sign-in or two in flight: the daemon counts an attempt as failed
-- until it succeeds, and five failures throttle a username (429), which
-- would turn the storm into cheap refusals.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local threads = {}

function setup(thread)
   thread:set("tidx", #threads)
   threads[#threads + 1] = thread
end

local reqs, pos
signed_in, throttled, overloaded, other = 0, 0, 0, 0

function init(args)
   local prefix = os.getenv("BENCH_LOGIN_PREFIX")
   local users = tonumber(os.getenv("BENCH_LOGIN_USERS"))
   local password = os.getenv("BENCH_LOGIN_PASSWORD")
   local nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
   reqs = {}
   for u = tidx, users - 1, nthreads do
      reqs[#reqs + 1] = wrk.format("POST", "/api/v1/sessions",
         { ["Content-Type"] = "application/json" },
         string.format('{"username":"%s%d","password":"%s"}', prefix, u, password))
   end
   assert(#reqs > 0, "no login user for thread " .. tidx)
   pos = 0
end

function request()
   pos = pos % #reqs + 1
   return reqs[pos]
end

function response(status, headers, body)
   if status == 201 or status == 200 then
      signed_in = signed_in + 1
   elseif status == 429 then
      throttled = throttled + 1
   elseif status == 503 then
      overloaded = overloaded + 1
   else
      other = other + 1
   end
end

function done(summary, latency, requests)
   common.done_line(summary, latency, function()
      local s = { signed_in = 0, throttled = 0, overloaded = 0, other = 0 }
      for _, th in ipairs(threads) do
         for k in pairs(s) do s[k] = s[k] + (th:get(k) or 0) end
      end
      return string.format('"signed_in":%d,"throttled":%d,"overloaded":%d,"other":%d',
                           s.signed_in, s.throttled, s.overloaded, s.other)
   end)
end
