-- wrk script of bench/wrk-check and bench/profile/perf.sh: every request is
-- a POST /v1/quote of the REPORT in the file named by the REPORT variable.
local path = os.getenv("REPORT")
assert(path and path ~= "", "wrk-post.lua: set REPORT to a REPORT file (las-bench --save-report)")
local f = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/octet-stream"
