-- Every verified header-signed webhook (Balance Platform, Management API, tokens...), stored
-- before Adyen gets its acknowledgement. Stored only: no business logic reads them.
CREATE TABLE platform_events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The body's `type` and `environment` ('' when it has none), for listing.
    event_type    TEXT    NOT NULL,
    environment   TEXT    NOT NULL,
    -- What identifies the event, so that a redelivery is recognised: see platform.rs.
    dedupe_key    TEXT    NOT NULL UNIQUE,
    -- The body exactly as received and verified, byte for byte what its signature covers: bytes,
    -- not text, so that nothing (an encoding, PostgreSQL's refusal of NUL in text) stands between
    -- the two.
    body          BYTEA   NOT NULL,
    received_at   BIGINT  NOT NULL,
    last_delivered_at BIGINT NOT NULL,
    deliveries    BIGINT  NOT NULL DEFAULT 1,
    -- Why it is not meant for this server (the other environment), if it is not.
    ignored       TEXT
);
