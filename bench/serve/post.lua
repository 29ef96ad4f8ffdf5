-- wrk script for the serving bench: POSTs one e-mail per request, cycling through the JSON bodies in the
-- file named by $WRK_BODIES (one body per line), so every connection sends the same mix.
local bodies = {}
local requests = {}
local n = 0
local i = 0

local path = os.getenv("WRK_BODIES")
local url_path = os.getenv("WRK_PATH") or "/v1/models/spam/predict"
assert(path, "post.lua: set WRK_BODIES to a file of JSON bodies, one per line")
for line in io.lines(path) do
  if #line > 0 then
    n = n + 1
    bodies[n] = line
  end
end
assert(n > 0, "post.lua: " .. path .. " holds no bodies")

function init(args)
  -- pre-format every request once: request() then only picks the next one
  for k = 1, n do
    requests[k] = wrk.format("POST", url_path, { ["Content-Type"] = "application/json" }, bodies[k])
  end
end

function request()
  i = i % n + 1
  return requests[i]
end
