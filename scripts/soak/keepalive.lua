-- wrk script for scripts/soak.js: keep-alive requests in a fixed mix until
-- a count is reached (wrk -t1 ... -- COUNT), then the thread stops itself.
--   GET /hello, POST /echo (Content-Length), GET /chunked (chunked answer),
--   POST /echo with a chunked body, in turn.
-- URLs carry a query string and requests an X-Request-Id header that take
-- VARIANTS different values, more than the 1024 strings rshttp's core
-- interns (src/strings.rs), so its table keeps evicting and refilling.
-- The requests are built once in init(), not per request.
-- Every answer must be 200 with one of the expected bodies; anything else is
-- counted as bad and the first one is kept. Prints one SOAKJSON line.
--
-- wrk's main thread sleeps for the whole -d duration even when every thread
-- has stopped, so at the count this prints SOAKSTOP and the parent sends
-- wrk SIGINT, which ends that sleep (done() still runs).

local target = 0
local count = 0
-- globals, for thread:get() in done()
bad = 0
firstbad = ""
local VARIANTS = 3000
local reqs = {}
local nreqs = 0
local i = 0
local bodies = {}

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  target = tonumber(args[1])
  local json = '{"soak":true,"n":12345,"items":[1,2,3,4,5,6,7,8],"text":"' .. string.rep("x", 160) .. '"}'
  local chunk1 = string.sub(json, 1, 50)
  local chunk2 = string.sub(json, 51)
  for v = 1, VARIANTS do
    local q = "?v=" .. v
    local id = string.format("%08x-soak-%d", v * 2654435761 % 4294967296, v)
    reqs[#reqs + 1] = wrk.format("GET", "/hello" .. q, { ["Host"] = "soak", ["X-Request-Id"] = id })
    reqs[#reqs + 1] = wrk.format("POST", "/echo" .. q,
      { ["Host"] = "soak", ["Content-Type"] = "application/json", ["X-Request-Id"] = id }, json)
    reqs[#reqs + 1] = wrk.format("GET", "/chunked" .. q, { ["Host"] = "soak", ["X-Request-Id"] = id })
    reqs[#reqs + 1] = "POST /echo" .. q .. " HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n" ..
      "X-Request-Id: " .. id .. "\r\nTransfer-Encoding: chunked\r\n\r\n" ..
      string.format("%x\r\n", #chunk1) .. chunk1 .. "\r\n" ..
      string.format("%x\r\n", #chunk2) .. chunk2 .. "\r\n0\r\n\r\n"
  end
  nreqs = #reqs
  bodies["Hello, World!"] = true
  bodies[json] = true
end

function request()
  i = i + 1
  return reqs[(i % nreqs) + 1]
end

function response(status, headers, body)
  count = count + 1
  if status ~= 200 or not bodies[body] then
    bad = bad + 1
    if firstbad == "" then
      firstbad = tostring(status) .. " " .. string.sub(body or "", 1, 60)
    end
  end
  if count == target then
    wrk.thread:stop()
    io.write("SOAKSTOP\n")
    io.flush()
  end
end

local function quote(s)
  return '"' .. string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

function done(summary, latency, requests)
  local nbad, first = 0, ""
  for _, t in ipairs(threads) do
    nbad = nbad + (t:get("bad") or 0)
    local f = t:get("firstbad") or ""
    if first == "" then first = f end
  end
  local e = summary.errors
  io.write(string.format(
    'SOAKJSON {"requests":%d,"duration_us":%d,"bad":%d,"firstbad":%s,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, nbad, quote(first),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
