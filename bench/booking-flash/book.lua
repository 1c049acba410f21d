-- wrk script of the booking-flash benchmark (see bench/README.md); run by run.sh.
--
-- Every request books the slot for a new person: a valid, unique 18-digit resident ID
-- (GB 11643) per request, unique across threads and phases. Parameters come from the
-- environment (wrk runs this file in one Lua state per thread and one for setup/done):
--   BF_MODE      "book": the release; a thread stops BF_GRACE_MS after its first 409
--                slot_full, and the last thread to stop ends the run (SIGINT to wrk's main
--                thread). "soldout": runs for wrk's -d, nothing stops early.
--   BF_TOKEN, BF_SLOT, BF_GRID   the street link's token, the slot id, a grid of the street
--   BF_PHASE     1..9, part of every ID number's area code (phases never share a person)
--   BF_THREADS   wrk's -t;  BF_DONE_DIR  a directory where stopped threads leave a mark
--   BF_OUT       file that done() writes its JSON result to
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bf_timespec;
int clock_gettime(int clk, bf_timespec *tp);
int getpid(void);
int tgkill(int tgid, int tid, int sig);
]]
local ts = ffi.new("bf_timespec")
-- CLOCK_MONOTONIC (1) in microseconds: one clock for every thread.
local function now_us()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local mode = os.getenv("BF_MODE") or "book"
local token = os.getenv("BF_TOKEN") or ""
local slot = os.getenv("BF_SLOT") or "0"
local grid = os.getenv("BF_GRID") or "0"
local phase = tonumber(os.getenv("BF_PHASE") or "1")
local idem = os.getenv("BF_IDEM") == "1"
local nthreads = tonumber(os.getenv("BF_THREADS") or "1")
local done_dir = os.getenv("BF_DONE_DIR") or "/tmp"
local grace_us = tonumber(os.getenv("BF_GRACE_MS") or "50") * 1000

-- ------------------------------------------------------------------ main state: setup, done
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

-- ------------------------------------------------------------------ thread state
tid = tid or 0
local WEIGHTS = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 }
local CHECK = "10X98765432"
local days = {}      -- birth dates 1960-01-01 .. 1999-12-31 as YYYYMMDD
local day_sums = {}  -- their weighted digit sums (positions 7..14)
local area, area_sum, block = nil, 0, -1
local n = 0
local headers = { ["Content-Type"] = "application/json" }
local path = "/api/v1/public/vaccination/bookings"
local prefix, suffix

-- counters read by done() through thread:get
c201, cfull, c409, c422, c429, c4xx, c5xx, cother = 0, 0, 0, 0, 0, 0, 0, 0
first_us, last201_us, full_us, stop_us = 0, 0, 0, 0
local stopped = false
sample_other = ""

local function digit_sum(s, from)
  local sum = 0
  for i = 1, #s do
    sum = sum + (s:byte(i) - 48) * WEIGHTS[from + i - 1]
  end
  return sum
end

function init(args)
  local t0 = os.time({ year = 1960, month = 1, day = 1, hour = 12 })
  local t1 = os.time({ year = 1999, month = 12, day = 31, hour = 12 })
  local i = 0
  while true do
    local t = t0 + i * 86400
    if t > t1 then break end
    local d = os.date("%Y%m%d", t)
    days[#days + 1] = d
    day_sums[#day_sums + 1] = digit_sum(d, 7)
    i = i + 1
  end
  prefix = '{"token":"' .. token .. '","slotId":' .. slot .. ',"gridId":' .. grid ..
      ',"doseNo":1,"idType":"id_card","address":"人民路1号","consent":true,"name":"压测'
  suffix = '"}'
end

-- The n-th person of this thread and phase: area code 31 + 4 digits (phase, block, thread),
-- birth day n/1000 (mod the 14,610 days), sequence n%1000.
local function person(k)
  local per_block = #days * 1000
  local b = math.floor(k / per_block)
  if b ~= block then
    block = b
    area = string.format("31%04d", (phase * 1000 + (b % 10) * 100 + tid) % 10000)
    area_sum = digit_sum(area, 1)
  end
  local r = k % per_block
  local d = math.floor(r / 1000) + 1
  local seq = string.format("%03d", r % 1000)
  local sum = area_sum + day_sums[d] + digit_sum(seq, 15)
  local first17 = area .. days[d] .. seq
  return first17 .. CHECK:sub(sum % 11 + 1, sum % 11 + 1)
end

function request()
  if first_us == 0 then first_us = now_us() end
  n = n + 1
  local id = person(n)
  local phone = string.format("135%08d", (tid * 10000000 + n) % 100000000)
  local body = prefix .. n .. '","idNumber":"' .. id .. '","phone":"' .. phone .. suffix
  if idem then
    -- As the citizens' page does, each booking carries its own Idempotency-Key; a scrambled
    -- prefix spreads the keys over the index as random keys would.
    headers["Idempotency-Key"] = string.format("%08x-%d-%d-%d",
      (n * 2654435761 + tid) % 4294967296, phase, tid, n)
  end
  return wrk.format("POST", path, headers, body)
end

local function stop_thread()
  stopped = true
  stop_us = now_us()
  local f = io.open(done_dir .. "/done." .. tid, "w")
  if f then f:close() end
  local all = true
  for i = 1, nthreads do
    local g = io.open(done_dir .. "/done." .. i, "r")
    if g then g:close() else all = false end
  end
  if all then
    -- wrk's main thread sleeps for -d; a SIGINT to it (tid == pid) ends the run now.
    local pid = ffi.C.getpid()
    ffi.C.tgkill(pid, pid, 2)
  end
  wrk.thread:stop()
end

function response(status, hdrs, body)
  if status == 201 then
    c201 = c201 + 1
    last201_us = now_us()
  elseif status == 409 then
    if body and body:find("slot_full", 1, true) then
      cfull = cfull + 1
      if full_us == 0 then full_us = now_us() end
    else
      c409 = c409 + 1
      if sample_other == "" and body then sample_other = status .. " " .. body:sub(1, 300) end
    end
  else
    if status == 422 then c422 = c422 + 1
    elseif status == 429 then c429 = c429 + 1
    elseif status >= 500 then c5xx = c5xx + 1
    elseif status >= 400 then c4xx = c4xx + 1
    else cother = cother + 1 end
    if sample_other == "" and body then sample_other = status .. " " .. body:sub(1, 300) end
  end
  if mode == "book" and full_us > 0 and not stopped and now_us() - full_us >= grace_us then
    stop_thread()
  end
end

-- ------------------------------------------------------------------ main state: the result
local function json_str(s)
  s = tostring(s):gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local keys = { "c201", "cfull", "c409", "c422", "c429", "c4xx", "c5xx", "cother" }
  local tot = {}
  for _, k in ipairs(keys) do tot[k] = 0 end
  local first, last201, full, stop, sample = 0, 0, 0, 0, ""
  local per = {}
  for i, t in ipairs(threads) do
    for _, k in ipairs(keys) do tot[k] = tot[k] + (t:get(k) or 0) end
    local f, l, fu, s = t:get("first_us") or 0, t:get("last201_us") or 0, t:get("full_us") or 0, t:get("stop_us") or 0
    if f > 0 and (first == 0 or f < first) then first = f end
    if l > last201 then last201 = l end
    if fu > 0 and (full == 0 or fu < full) then full = fu end
    if s > stop then stop = s end
    local so = t:get("sample_other") or ""
    if sample == "" then sample = so end
    per[#per + 1] = string.format('{"booked":%d,"slot_full":%d}', t:get("c201") or 0, t:get("cfull") or 0)
  end
  local e = summary.errors
  local out = string.format(
    '{"mode":%s,"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"status_201":%d,"status_409_slot_full":%d,"status_409_other":%d,"status_422":%d,"status_429":%d,' ..
    '"status_4xx_other":%d,"status_5xx":%d,"status_other":%d,' ..
    '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_timeout":%d,"errors_status":%d,' ..
    '"first_request_us":%.0f,"last_201_us":%.0f,"first_slot_full_us":%.0f,"last_stop_us":%.0f,' ..
    '"lat_p50_us":%d,"lat_p90_us":%d,"lat_p99_us":%d,"lat_max_us":%d,"lat_mean_us":%.1f,' ..
    '"threads":[%s],"sample_other":%s}\n',
    json_str(mode), summary.requests, summary.duration, summary.bytes,
    tot.c201, tot.cfull, tot.c409, tot.c422, tot.c429, tot.c4xx, tot.c5xx, tot.cother,
    e.connect, e.read, e.write, e.timeout, e.status,
    first, last201, full, stop,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(per, ","), json_str(sample))
  local path_out = os.getenv("BF_OUT")
  local f = path_out and io.open(path_out, "w")
  if f then
    f:write(out)
    f:close()
  else
    io.write(out)
  end
end
