-- When each configured HMAC key, by route and check value (KCV), was first configured and last
-- verified a webhook: the layer keeps the latter in memory only, and the key-rotation view must
-- still know after a restart whether a previous key is needed. Written at most about once a
-- minute per key, off the request's path (see keys.rs).
CREATE TABLE key_usage (
    -- 'notifications' (ADYEN_HMAC_KEY) or 'platform' (ADYEN_PLATFORM_HMAC_KEY).
    route               TEXT    NOT NULL CHECK (route IN ('notifications', 'platform')),
    kcv                 TEXT    NOT NULL,
    first_configured_at INTEGER NOT NULL,
    -- NULL until the key verified something.
    last_verified_at    INTEGER,
    PRIMARY KEY (route, kcv)
);
