-- Extends the lease while it is ours, or takes it back if it lapsed and no
-- newer token was handed out since (so nobody else can have written).
--
-- KEYS[1] lease  KEYS[2] lease:fence
-- ARGV[1] lease value  ARGV[2] fencing token  ARGV[3] ttl in ms
-- Replies 1, or {0, current holder} when the lease is lost.

local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
if current == false and redis.call('GET', KEYS[2]) == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
  return 1
end
return { 0, current or '-' }
