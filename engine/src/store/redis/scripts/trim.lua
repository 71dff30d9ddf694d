-- One retention pass, fenced by the dispatcher lease like a commit.
--
-- KEYS[1] lease   KEYS[2] events   KEYS[3..] taxpayers' history lists
-- ARGV[1] lease value ("<token> <holder>")
-- ARGV[2] the first event id to keep ("" keeps every event)
-- ARGV[3] the history cutoff (RFC 3339, UTC): older annotations go
--
-- Replies {events dropped, annotations dropped}, or FENCED. A history list
-- is oldest first, so only its head is ever looked at; a list left empty is
-- deleted by Redis itself (a taxpayer with no annotation has no key).

if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('FENCED the lease is not this process\'s')
end
local events = 0
if ARGV[2] ~= '' then
  events = redis.call('XTRIM', KEYS[2], 'MINID', ARGV[2])
end
local annotations = 0
for k = 3, #KEYS do
  while true do
    local first = redis.call('LINDEX', KEYS[k], 0)
    if not first then break end
    local ok, decoded = pcall(cjson.decode, first)
    if not ok or type(decoded.at) ~= 'string' or decoded.at >= ARGV[3] then break end
    redis.call('LPOP', KEYS[k])
    annotations = annotations + 1
  end
end
return { events, annotations }
