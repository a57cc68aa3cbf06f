-- The PostgreSQL schema, equal in meaning to SQLite migrations 0001-0004 (users are
-- channel-qualified). Times are ISO-8601 text and dates 'YYYY-MM-DD' text, as in SQLite, so
-- both stores compare and copy them the same way; heartbeats are unix seconds.
CREATE TABLE users (
    id               BIGSERIAL PRIMARY KEY,
    channel          TEXT    NOT NULL DEFAULT 'telegram',
    external_id      TEXT    NOT NULL,
    first_name       TEXT    NOT NULL DEFAULT '',
    language         TEXT,
    created_at       TEXT    NOT NULL,
    last_seen        TEXT    NOT NULL,
    last_inbound_at  TEXT,
    blocked          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (channel, external_id)
);

CREATE TABLE questions (
    id        BIGSERIAL PRIMARY KEY,
    user_id   BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    text      TEXT    NOT NULL,
    topic_id  TEXT,
    score     DOUBLE PRECISION NOT NULL,
    asked_at  TEXT    NOT NULL
);
CREATE INDEX questions_by_user ON questions(user_id, id);
CREATE INDEX questions_by_score ON questions(score);

CREATE TABLE topic_views (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic_id   TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    viewed_at  TEXT    NOT NULL
);
CREATE INDEX topic_views_by_user ON topic_views(user_id);

CREATE TABLE feedback (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic_id    TEXT    NOT NULL,
    positive    INTEGER NOT NULL,
    question    TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX feedback_by_user ON feedback(user_id);

CREATE TABLE subscriptions (
    user_id       BIGINT  PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    active        INTEGER NOT NULL DEFAULT 1,
    hour          INTEGER NOT NULL DEFAULT 9,
    next_day      INTEGER NOT NULL DEFAULT 1,
    last_sent_on  TEXT,
    claim_round   TEXT,
    claim_on      TEXT,
    subscribed_at TEXT    NOT NULL
);

CREATE TABLE rounds (
    id            TEXT PRIMARY KEY,
    started_at    TEXT NOT NULL,
    heartbeat_at  DOUBLE PRECISION NOT NULL,
    host          TEXT NOT NULL DEFAULT '',
    pid           INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE deliveries (
    user_id  BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day      INTEGER NOT NULL,
    sent_on  TEXT    NOT NULL,
    sent_at  TEXT    NOT NULL,
    via      TEXT    NOT NULL,
    PRIMARY KEY (user_id, day)
);
CREATE INDEX deliveries_by_date ON deliveries(sent_on);

CREATE TABLE quiz_answers (
    user_id      BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day          INTEGER NOT NULL,
    option       INTEGER NOT NULL,
    correct      INTEGER NOT NULL,
    answered_on  TEXT    NOT NULL,
    answered_at  TEXT    NOT NULL,
    PRIMARY KEY (user_id, day)
);
