-- The inbox of incoming events, as SQLite migration 0005.
CREATE TABLE inbox (
    channel      TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    payload      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    seq          BIGSERIAL,
    done_at      TEXT,
    PRIMARY KEY (channel, event_id)
);
CREATE INDEX inbox_pending ON inbox(channel, done_at, seq);
