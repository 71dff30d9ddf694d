-- Commits one batch of changes atomically, fenced by the dispatcher lease.
--
-- KEYS[1] lease        KEYS[2] lease:fence   KEYS[3] writer
-- KEYS[4] tickets      KEYS[5] operators     KEYS[6] waiting
-- KEYS[7] next_seq     KEYS[8] events        KEYS[9] events:seq
-- KEYS[10..] the history lists the batch appends to
--
-- ARGV[1] lease value ("<token> <holder>")  ARGV[2] fencing token
-- ARGV[3] lease ttl in ms                   ARGV[4] this write's id
-- ARGV[5] the write id the caller believes was applied last under this token
-- ARGV[6] stream max length (0: unbounded)
-- ARGV[7..] operations, each a code and its arguments:
--   E kind json      append an event (all E come first)
--   T id json        store a ticket record
--   T- id            delete a ticket record (an ended ticket's retention ran out)
--   Q+ id score      the ticket waits (score: its join seq)
--   Q- id            the ticket no longer waits
--   O id json        store an operator record
--   H keyindex json  append an annotation to KEYS[keyindex]
--   S value          the next join seq
--
-- Replies {first event seq, number of events}, or an error whose first word
-- says why nothing was written: FENCED, CANCELLED, DIVERGED or BADOPS.
-- Every check comes before the first write: a Redis script is not rolled
-- back when it fails half-way.

local lease_value, token, ttl = ARGV[1], ARGV[2], ARGV[3]
local holder = redis.call('GET', KEYS[1])
if holder ~= lease_value then
  -- The lease lapsed (a pause, an outage longer than the ttl) but nobody took
  -- it since: no other process can have written, so it is safe to take it back.
  if holder == false and redis.call('GET', KEYS[2]) == token then
    redis.call('SET', KEYS[1], lease_value, 'PX', ttl)
  else
    return redis.error_reply('FENCED ' .. (holder or '-'))
  end
end

local writer = redis.call('HMGET', KEYS[3], 'fence', 'decided', 'applied')
local decided, applied = 0, 0
if writer[1] == token then
  decided = tonumber(writer[2]) or 0
  applied = tonumber(writer[3]) or 0
end
local write_id = tonumber(ARGV[4])
if write_id <= decided then
  return redis.error_reply('CANCELLED write ' .. ARGV[4] .. ' was already decided')
end
if applied ~= tonumber(ARGV[5]) then
  return redis.error_reply('DIVERGED last applied write is ' .. applied .. ', not ' .. ARGV[5])
end

local widths = { E = 3, T = 3, ['T-'] = 2, ['Q+'] = 3, ['Q-'] = 2, O = 3, H = 3, S = 2 }
local events, i = 0, 7
while i <= #ARGV do
  local width = widths[ARGV[i]]
  if width == nil or i + width - 1 > #ARGV then
    return redis.error_reply('BADOPS operation ' .. tostring(ARGV[i]) .. ' at ' .. i)
  end
  if ARGV[i] == 'E' then events = events + 1 end
  i = i + width
end

local first_event = 0
if events > 0 then
  first_event = redis.call('INCRBY', KEYS[9], events) - events + 1
end
local max_len = tonumber(ARGV[6])
local next_event = first_event
i = 7
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'E' then
    local id = next_event .. '-0'
    if max_len > 0 then
      redis.call('XADD', KEYS[8], 'MAXLEN', '~', max_len, id, 'kind', ARGV[i + 1], 'change', ARGV[i + 2])
    else
      redis.call('XADD', KEYS[8], id, 'kind', ARGV[i + 1], 'change', ARGV[i + 2])
    end
    next_event = next_event + 1
  elseif op == 'T' then
    redis.call('HSET', KEYS[4], ARGV[i + 1], ARGV[i + 2])
  elseif op == 'T-' then
    redis.call('HDEL', KEYS[4], ARGV[i + 1])
  elseif op == 'Q+' then
    redis.call('ZADD', KEYS[6], ARGV[i + 2], ARGV[i + 1])
  elseif op == 'Q-' then
    redis.call('ZREM', KEYS[6], ARGV[i + 1])
  elseif op == 'O' then
    redis.call('HSET', KEYS[5], ARGV[i + 1], ARGV[i + 2])
  elseif op == 'H' then
    redis.call('RPUSH', KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2])
  elseif op == 'S' then
    redis.call('SET', KEYS[7], ARGV[i + 1])
  end
  i = i + widths[op]
end

redis.call('HSET', KEYS[3], 'fence', token, 'decided', ARGV[4], 'applied', ARGV[4])
return { first_event, events }
