-- BENCH_PIPELINE_DEPTH (default 16) GET requests written at once per
-- connection; wrk counts each response.
local depth = tonumber(os.getenv("BENCH_PIPELINE_DEPTH") or "16")
init = function(args)
  local r = {}
  for i = 1, depth do r[i] = wrk.format() end
  req = table.concat(r)
end
request = function()
  return req
end
