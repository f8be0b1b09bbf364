-- PATCH /api/v1/tasks/{id}: a status change with its audit event.
--
-- Each wrk thread is one agency officer and owns that agency's open tasks,
-- read from BENCH_PATCH_DIR/thread<N>.txt (first line: the token; then
-- "id version status" per task), written by bench/run just before the run.
-- The thread walks its tasks round-robin; with more tasks than connections
-- a task is never in flight twice. The change is always a real transition
-- (docs/workflow.md):
--   in_progress -> blocked (with a note), blocked/not_started -> in_progress.
-- If-Match is the task's ETag, tracked from each answer's ETag header; the
-- answer is matched to its task by the X-Request-Id we send ("t<slot>-<n>"),
-- which the daemon echoes on every answer, errors included.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local NOTE = "bench: waiting on a partner agency's figures"
local BLOCK = string.format('{"status":"blocked","note":"%s"}', NOTE)
local START = '{"status":"in_progress"}'

local threads = {}

function setup(thread)
   thread:set("tidx", #threads)
   threads[#threads + 1] = thread
end

local tasks, pos, n, token
ok, stale, refused, other, lost = 0, 0, 0, 0, 0

function init(args)
   local f = assert(io.open(os.getenv("BENCH_PATCH_DIR") .. "/thread" .. tidx .. ".txt"))
   token = f:read("*l")
   tasks = {}
   for line in f:lines() do
      local id, version, status = line:match("^(%d+) (%d+) (%S+)$")
      if id then
         tasks[#tasks + 1] = { id = id, version = version, status = status }
      end
   end
   f:close()
   assert(#tasks > 0, "thread " .. tidx .. " owns no task")
   pos, n = 0, 0
end

function request()
   pos = pos % #tasks + 1
   n = n + 1
   local t = tasks[pos]
   local body
   if t.status == "in_progress" then
      body, t.want = BLOCK, "blocked"
   else
      body, t.want = START, "in_progress"
   end
   return wrk.format("PATCH", "/api/v1/tasks/" .. t.id, {
      ["Authorization"] = "Bearer " .. token,
      ["If-Match"] = '"' .. t.version .. '"',
      ["Content-Type"] = "application/json",
      ["X-Request-Id"] = "t" .. pos .. "-" .. n,
   }, body)
end

function response(status, headers, body)
   local rid = headers["X-Request-Id"] or headers["x-request-id"]
   local slot = rid and tonumber(rid:match("^t(%d+)-"))
   local t = slot and tasks[slot]
   if not t then
      lost = lost + 1
      return
   end
   local etag = headers["ETag"] or headers["Etag"] or headers["etag"]
   if etag then t.version = etag:match('"(%d+)"') or t.version end
   if status == 200 then
      ok = ok + 1
      t.status = t.want
   elseif status == 412 then
      stale = stale + 1
   elseif status == 409 then
      refused = refused + 1
   else
      other = other + 1
   end
end

function done(summary, latency, requests)
   common.done_line(summary, latency, function()
      local s = { ok = 0, stale = 0, refused = 0, other = 0, lost = 0 }
      for _, th in ipairs(threads) do
         for k in pairs(s) do s[k] = s[k] + (th:get(k) or 0) end
      end
      return string.format('"ok":%d,"stale":%d,"refused":%d,"other":%d,"unmatched":%d',
                           s.ok, s.stale, s.refused, s.other, s.lost)
   end)
end
