-- wrk script for bench/wrk_bench.py: one thread per connection, so a thread's state is its connection's.
--
-- Environment (set by the harness):
--   WRK_CONNS_FILE  one line per connection: "<token>\t<path>\t<body>" (token/body may be "-" for none)
--   WRK_METHOD      GET or POST
--   WRK_MODE        "plain" (the same request each time) or "crash" (bet, then cash out that round, ...)
--   WRK_RUN_ID      prefix that makes every Idempotency-Key unique across runs
--   WRK_OUT         where done() writes its JSON summary
-- Every POST gets its own Idempotency-Key: "<run id>-<thread>-<counter>".

local threads = {}
local conns = {}

local function split_tabs(line)
  local out = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do out[#out + 1] = field end
  return out
end

function setup(thread)
  if #conns == 0 then
    for line in io.lines(os.getenv("WRK_CONNS_FILE")) do
      if line ~= "" then conns[#conns + 1] = split_tabs(line) end
    end
  end
  local index = #threads + 1
  local conn = conns[((index - 1) % #conns) + 1]
  thread:set("id", index)
  thread:set("token", conn[1])
  thread:set("path", conn[2])
  thread:set("body", conn[3])
  threads[index] = thread
end

-- Per-thread state below (each wrk thread runs its own copy of this script).
local counter = 0
local round_id = nil
local pending = nil
statuses = {}

function init(args)
  run_id = os.getenv("WRK_RUN_ID") or "run"
  method = os.getenv("WRK_METHOD") or "GET"
  mode = os.getenv("WRK_MODE") or "plain"
  base_headers = {}
  if token ~= "-" then base_headers["Authorization"] = "Bearer " .. token end
  if body == "-" then body = nil end
end

local function headers_with_key()
  counter = counter + 1
  local h = {}
  for k, v in pairs(base_headers) do h[k] = v end
  h["Content-Type"] = "application/json"
  h["Idempotency-Key"] = string.format("%s-%d-%d", run_id, id, counter)
  return h
end

function request()
  if mode == "crash" then
    if round_id then
      pending = "cashout"
      local r = round_id
      round_id = nil
      return wrk.format("POST", "/api/games/crash/cashout", headers_with_key(), '{"round_id":' .. r .. '}')
    end
    pending = "bet"
    return wrk.format("POST", "/api/games/crash/bet", headers_with_key(), body)
  end
  if method == "GET" then return wrk.format("GET", path, base_headers) end
  return wrk.format(method, path, headers_with_key(), body)
end

function response(status, headers, resp_body)
  local key = tostring(status)
  if mode == "crash" then
    key = pending .. ":" .. key
    if pending == "bet" and status == 200 then round_id = resp_body:match('"round_id":(%d+)') end
  end
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    if s then
      for k, v in pairs(s) do merged[k] = (merged[k] or 0) + v end
    end
  end
  local parts = {}
  for k, v in pairs(merged) do parts[#parts + 1] = string.format('"%s":%d', k, v) end
  local e = summary.errors
  local out = io.open(os.getenv("WRK_OUT"), "w")
  out:write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"statuses":{%s}}',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(parts, ",")))
  out:close()
end
