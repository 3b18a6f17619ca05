-- rateLimit.redis: take one token from the bucket KEYS[1], atomically (Waygate's script).
-- The bucket is the hash {last = time of the last take in µs, tokens = what was left}, the
-- state Traefik's replicas keep under the same key, so both can share one budget.
-- ARGV: rate (tokens per µs), burst, ttl (s), now (µs), longest acceptable wait (µs).
-- Returns {"true", wait in µs, tokens left}: the caller refuses when wait > the longest.
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local longest = tonumber(ARGV[5])

local state = redis.call('HMGET', KEYS[1], 'last', 'tokens')
local last = tonumber(state[1]) or 0
local tokens = tonumber(state[2]) or 0
if last > now then
    last = now
end

-- Refill for the time since the last take, never above the burst; then take one.
local available = math.min(tokens + rate * (now - last), burst)
local left = available - 1
local wait = 0
if left < 0 then
    wait = -left / rate
    if wait > longest then
        -- Refused: the token is not taken.
        left = available
    end
end

redis.call('HSET', KEYS[1], 'last', now, 'tokens', left)
redis.call('EXPIRE', KEYS[1], ttl)
return {'true', tostring(wait), tostring(left)}
