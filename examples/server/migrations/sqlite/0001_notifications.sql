-- Every verified notification, stored before Adyen gets its acknowledgement.
-- Timestamps are milliseconds since the Unix epoch, so that SQLite and PostgreSQL agree.
CREATE TABLE notifications (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Adyen's deduplication key: a redelivery has the same three.
    psp_reference     TEXT    NOT NULL,
    event_code        TEXT    NOT NULL,
    success           INTEGER NOT NULL,
    original_reference TEXT   NOT NULL,
    merchant_reference TEXT   NOT NULL,
    -- The pspReference of the payment this is about; NULL for events about no payment (reports...).
    payment_key       TEXT,
    live              INTEGER NOT NULL,
    -- The whole verified item as JSON, signature included, for the business logic and for audits.
    item              TEXT    NOT NULL,
    deliveries        INTEGER NOT NULL DEFAULT 1,
    received_at       INTEGER NOT NULL,
    last_delivered_at INTEGER NOT NULL,
    -- Processing, away from the acknowledgement: see worker.rs.
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    lease_until       INTEGER,
    last_error        TEXT,
    processed_at      INTEGER,
    UNIQUE (psp_reference, event_code, success)
);

CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE processed_at IS NULL;
CREATE INDEX notifications_payment ON notifications (payment_key);

-- The state of each payment, recomputed from its notifications by payments.rs.
CREATE TABLE payments (
    payment_key        TEXT    PRIMARY KEY,
    merchant_reference TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    state              TEXT    NOT NULL,
    updated_at         INTEGER NOT NULL
);

CREATE INDEX payments_merchant_reference ON payments (merchant_reference);
