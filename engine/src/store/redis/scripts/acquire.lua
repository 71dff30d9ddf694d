-- Takes the dispatcher lease if nobody holds it, or if it holds exactly the
-- value the caller found to belong to a dead process (a crash restart taking
-- over at once): SET PX with a fencing token from INCR, as one step so a
-- refused attempt burns no token.
--
-- KEYS[1] lease  KEYS[2] lease:fence
-- ARGV[1] holder name  ARGV[2] ttl in ms
-- ARGV[3] (optional) the exact lease value that may be replaced
-- Replies {token, value} when taken, {0, current value, ms left} when held.

local current = redis.call('GET', KEYS[1])
if current and (ARGV[3] == nil or current ~= ARGV[3]) then
  return { 0, current, redis.call('PTTL', KEYS[1]) }
end
local token = redis.call('INCR', KEYS[2])
local value = token .. ' ' .. ARGV[1]
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return { token, value }
