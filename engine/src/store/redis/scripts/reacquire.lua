-- Takes the dispatcher lease again after a failover promoted a replica that
-- did not have it (the lease or its last INCR had not reached the replica):
-- only if nobody holds it and nobody wrote under a newer token than ours,
-- and always with a token higher than both ours and any handed out here.
--
-- KEYS[1] lease  KEYS[2] lease:fence  KEYS[3] writer
-- ARGV[1] holder name  ARGV[2] ttl in ms  ARGV[3] our (lost) fencing token
-- Replies {token, value} when taken, {0, current value or '-'} when not.

local current = redis.call('GET', KEYS[1])
if current then
  return { 0, current }
end
local ours = tonumber(ARGV[3])
local wrote = tonumber(redis.call('HGET', KEYS[3], 'fence') or '0') or 0
if wrote > ours then
  return { 0, '-' }
end
local fence = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if fence < ours then
  redis.call('SET', KEYS[2], ours)
end
local token = redis.call('INCR', KEYS[2])
local value = token .. ' ' .. ARGV[1]
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return { token, value }
