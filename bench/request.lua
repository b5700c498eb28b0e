-- wrk script for bench/run_bench.py: the same request again and again, as a logged-in
-- user when BENCH_COOKIE is set (the session cookie the benchmark logged in for), and as
-- a form POST when BENCH_BODY is set (a notice with its CSRF token). At the end it prints
-- one line of JSON the benchmark reads: counts, errors and latency percentiles.

local cookie = os.getenv("BENCH_COOKIE")
local body = os.getenv("BENCH_BODY")

wrk.method = os.getenv("BENCH_METHOD") or "GET"
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "mean": %.1f, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.mean, latency.max))
end
