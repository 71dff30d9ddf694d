-- Decides a commit whose reply was lost (a timeout, a dropped connection):
-- replies 1 if it was applied; otherwise makes sure it never will be (a
-- commit with an id at or below `decided` is refused) and replies 0. Redis
-- runs scripts one at a time, so the lost commit runs either before this
-- (and is seen) or after (and is refused).
--
-- KEYS[1] lease:fence  KEYS[2] writer
-- ARGV[1] fencing token  ARGV[2] the write id to decide

local token, write_id = ARGV[1], ARGV[2]
local writer = redis.call('HMGET', KEYS[2], 'fence', 'decided', 'applied')
if writer[1] == token and writer[3] == write_id then
  return 1
end
if redis.call('GET', KEYS[1]) ~= token then
  -- A newer token exists: the lease can never be ours again, so the commit's
  -- lease check refuses it whenever it arrives.
  return 0
end
if writer[1] == token then
  if (tonumber(writer[2]) or 0) < tonumber(write_id) then
    redis.call('HSET', KEYS[2], 'decided', write_id)
  end
else
  redis.call('HSET', KEYS[2], 'fence', token, 'decided', write_id, 'applied', 0)
end
return 0
