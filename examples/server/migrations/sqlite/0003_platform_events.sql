-- Every verified header-signed webhook (Balance Platform, Management API, tokens...), and every
-- `type`/`data` event of the standard route (notice of change), stored before Adyen gets its
-- acknowledgement. Stored only: no business logic reads them.
CREATE TABLE platform_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The body's `type` and `environment` ('' when it has none), for listing.
    event_type    TEXT    NOT NULL,
    environment   TEXT    NOT NULL,
    -- What identifies the event, so that a redelivery is recognised: see platform.rs.
    dedupe_key    TEXT    NOT NULL UNIQUE,
    -- The body exactly as received, byte for byte what its signature (if any) covers: bytes,
    -- not text, so that nothing (an encoding, PostgreSQL's refusal of NUL in text) stands between
    -- the two.
    body          BLOB    NOT NULL,
    received_at   INTEGER NOT NULL,
    last_delivered_at INTEGER NOT NULL,
    deliveries    INTEGER NOT NULL DEFAULT 1,
    -- Why it is not meant for this server (the other environment), if it is not.
    ignored       TEXT,
    -- How its body was authenticated: 'hmac' (an HmacSignature header over these bytes) or
    -- 'basic-auth' (an unsigned event of the standard route, ADYEN_ACCEPT_UNSIGNED_EVENTS:
    -- whoever knows the webhook's Basic auth credentials can write one).
    authentication TEXT   NOT NULL CHECK (authentication IN ('hmac', 'basic-auth'))
);
