-- Gives the lease up, only if it is still ours.
-- KEYS[1] lease  ARGV[1] lease value.  Replies 1 if released, 0 if not ours.

if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
