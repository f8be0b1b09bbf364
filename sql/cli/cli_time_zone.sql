-- Makes the CLI's session count dates in the configured time zone (POLICYTRACK_TIME_ZONE), as the daemon's connections do.
-- $1 time_zone text: an IANA name such as Asia/Shanghai
-- returns: the zone as the server names it; an error when the server knows no such zone
SELECT set_config('TimeZone', $1, false)
