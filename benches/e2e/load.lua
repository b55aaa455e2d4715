-- wrk script for benches/run.sh: POSTs the re-signed workload bodies in turn, stops each thread
-- after E2E_REQUESTS / threads responses (or at wrk's -d, whichever comes first), and prints one
-- JSON line.
--
-- E2E_BODIES   folder of body-NNN.json files (from `e2e_server bodies`)
-- E2E_COUNT    how many there are
-- E2E_REQUESTS the bound on requests for the whole run (0: none but the duration)
-- E2E_THREADS  wrk's -t, to split the bound
-- E2E_MODE     "valid" (default); "length": one body over the limit with Content-Length;
--              "chunked": the same body sent chunked, without Content-Length
-- E2E_OVER     the size of the over-limit body, in bytes

local requests = {}
local index = 0
local responses = 0
local limit = 0

local function read(path)
  local file = assert(io.open(path, "rb"))
  local data = file:read("*a")
  file:close()
  return data
end

function init(args)
  local mode = os.getenv("E2E_MODE") or "valid"
  local threads = tonumber(os.getenv("E2E_THREADS") or "1")
  limit = math.floor(tonumber(os.getenv("E2E_REQUESTS") or "0") / threads)
  local headers = { ["Content-Type"] = "application/json" }
  if mode == "valid" then
    local dir = assert(os.getenv("E2E_BODIES"), "E2E_BODIES is not set")
    for i = 0, tonumber(os.getenv("E2E_COUNT")) - 1 do
      local body = read(string.format("%s/body-%03d.json", dir, i))
      requests[#requests + 1] = wrk.format("POST", "/webhook", headers, body)
    end
  else
    local size = tonumber(os.getenv("E2E_OVER"))
    local body = string.rep("x", size)
    if mode == "length" then
      requests[1] = wrk.format("POST", "/webhook", headers, body)
    else
      -- Written by hand: wrk.format always adds Content-Length. 16 KiB chunks.
      local chunk = string.rep("x", 16384)
      local parts = {
        "POST /webhook HTTP/1.1",
        "Host: " .. wrk.host .. ":" .. wrk.port,
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
        "",
        "",
      }
      local head = table.concat(parts, "\r\n")
      local chunks = {}
      for _ = 1, math.floor(size / 16384) do
        chunks[#chunks + 1] = string.format("%x\r\n%s\r\n", 16384, chunk)
      end
      requests[1] = head .. table.concat(chunks) .. "0\r\n\r\n"
    end
  end
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function response(status, headers, body)
  responses = responses + 1
  if limit > 0 and responses >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"rps":%.1f,"p50_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
