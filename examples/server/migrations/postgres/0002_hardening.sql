-- A notification that must not be applied (a Customer Area test, another merchant account, the
-- other environment): stored and acknowledged, so that Adyen stops sending it, but never applied.
ALTER TABLE notifications ADD COLUMN ignored TEXT;
-- Set once a notification failed WORKER_MAX_ATTEMPTS times: no longer retried until requeued.
ALTER TABLE notifications ADD COLUMN dead_at BIGINT;

-- Every business action performed, by its idempotency key, so that each runs once whatever the
-- order in which the notifications that imply it arrive.
CREATE TABLE actions_done (
    action_key      TEXT    PRIMARY KEY,
    notification_id BIGINT NOT NULL,
    performed_at    BIGINT NOT NULL
);
