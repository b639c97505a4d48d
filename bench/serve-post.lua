-- wrk script for bench/serve-load.sh: POSTs one request body (read from the file in $BODY) over and over,
-- counts responses by status code in every thread, and prints p50/p99 and the counts at the end.
local body_file = os.getenv("BODY")
local f = assert(io.open(body_file, "rb"), "cannot read " .. tostring(body_file))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    statuses = {}
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local counts = {}
    for _, t in ipairs(threads) do
        local s = t:get("statuses")
        for code, n in pairs(s) do
            counts[code] = (counts[code] or 0) + n
        end
    end
    local parts = {}
    for code, n in pairs(counts) do
        table.insert(parts, code .. "=" .. n)
    end
    table.sort(parts)
    local e = summary.errors
    io.write(string.format("RESULT requests=%d seconds=%.2f req_per_s=%.2f p50_ms=%.2f p99_ms=%.2f statuses=%s "
            .. "socket_errors=connect:%d,read:%d,write:%d,timeout:%d non2xx=%d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, table.concat(parts, ","),
        e.connect, e.read, e.write, e.timeout, e.status))
end
