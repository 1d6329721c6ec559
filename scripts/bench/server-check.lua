-- wrk script: POST a typical check request (server-check.json: a 2 KB
-- HTML clinic letter to six recipients) to /api/v1/check.
local dir = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local f = assert(io.open(dir .. "server-check.json", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

local bad = 0
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("sendguard-bench: non-200 responses %d\n", summary.errors.status))
end
