-- wrk script for examples/server/load/run.sh: POSTs signed notification bodies to the webhook,
-- counts the answers by status, and prints one JSON line at the end.
--
-- LOAD_BODIES_FILE  one JSON body a line (from the load_bodies example)
-- LOAD_THREADS      wrk's -t: the bodies are split between the threads, and each thread sends
--                   its share over and over, in order (so every body is sent several times:
--                   redeliveries, which the server must recognise)

local path = "/api/webhooks/notifications"
local requests = {}
local index = 0

-- Per thread, read back by done() through thread:get().
sent = 0
answered = 0
statuses = {}
not_accepted = 0
first = 0
count = 0

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(os.getenv("LOAD_BODIES_FILE"), "LOAD_BODIES_FILE is not set")
  local nthreads = tonumber((assert(os.getenv("LOAD_THREADS"), "LOAD_THREADS is not set")))
  local bodies = {}
  for line in io.lines(file) do
    if #line > 0 then
      bodies[#bodies + 1] = line
    end
  end
  local share = math.ceil(#bodies / nthreads)
  first = id * share + 1
  local last = math.min(#bodies, first + share - 1)
  count = last - first + 1
  local headers = { ["Content-Type"] = "application/json" }
  for i = first, last do
    requests[#requests + 1] = wrk.format("POST", path, headers, bodies[i])
  end
end

function request()
  local r = requests[index + 1]
  index = (index + 1) % #requests
  sent = sent + 1
  return r
end

function response(status, headers, body)
  answered = answered + 1
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status >= 200 and status < 300 and body ~= "[accepted]" then
    not_accepted = not_accepted + 1
  end
end

function done(summary, latency, requests)
  local all = {}
  local bodies, sent_total, answered_total, odd = 0, 0, 0, 0
  -- How many times the thread that went round its share the fewest times did so: from 2 on,
  -- every body went out at least twice, and all but the last round were answered.
  local min_rounds = math.huge
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("statuses")) do
      all[k] = (all[k] or 0) + v
    end
    local c = thread:get("count")
    local s = thread:get("sent")
    bodies = bodies + c
    sent_total = sent_total + s
    answered_total = answered_total + thread:get("answered")
    odd = odd + thread:get("not_accepted")
    if c > 0 then
      min_rounds = math.min(min_rounds, s / c)
    end
  end
  local parts = {}
  for k, v in pairs(all) do
    parts[#parts + 1] = string.format('"%s": %d', k, v)
  end
  local e = summary.errors
  io.write(string.format(
    '{"duration_us": %d, "requests": %d, "bytes": %d, "sent": %d, "answered": %d, ' ..
    '"bodies": %d, "min_rounds": %.2f, "statuses": {%s}, "accepted_without_body": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.0f, "p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d}}\n',
    summary.duration, summary.requests, summary.bytes, sent_total, answered_total,
    bodies, min_rounds, table.concat(parts, ", "), odd,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
