-- wrk script for the benchmark: one request shape per workload, and a count of every status.
--   wrk ... -s requests.lua URL -- MODE PATH_PREFIX SAME_ID TOKEN
-- MODE: same   (GET PATH_PREFIX/SAME_ID with a bearer token, every time)
--       new    (GET PATH_PREFIX/<fresh uuid-shaped id> with a bearer token, every request)
--       noauth (GET PATH_PREFIX/SAME_ID without credentials)
-- TOKEN makes the fresh ids of one run differ from every other run's; the thread's index, from
-- every other thread's.
-- Every workload goes through request() and response(), so wrk does the same work for each.

local mode, prefix, same_id, token
local counter = 0
local auth = { ["Authorization"] = "Bearer bench-key", ["Accept"] = "application/json" }
local noauth = { ["Accept"] = "application/json" }
statuses = {}

function init(args)
  mode = args[1] or "same"
  prefix = args[2] or "/api/v1/activity_logs"
  same_id = args[3] or "bdc0eda6-ea52-4f72-a46a-94f47a89b546"
  token = tonumber(args[4] or "0") or 0
  if mode ~= "same" and mode ~= "new" and mode ~= "noauth" then
    error("unknown mode " .. tostring(mode))
  end
end

function request()
  if mode == "new" then
    counter = counter + 1
    local id = string.format("%08x-%04x-4000-8000-%012x", token, thread_index or 0, counter)
    return wrk.format("GET", prefix .. "/" .. id, auth)
  elseif mode == "noauth" then
    return wrk.format("GET", prefix .. "/" .. same_id, noauth)
  end
  return wrk.format("GET", prefix .. "/" .. same_id, auth)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local threads = {}

-- Each thread counts from 1: its index (0 for the first) keeps the ids of `wrk -tN` apart.
function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, n in pairs(counts) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    table.insert(parts, status .. "=" .. n)
  end
  table.sort(parts)
  io.write("STATUS_COUNTS " .. table.concat(parts, ",") .. "\n")
end
