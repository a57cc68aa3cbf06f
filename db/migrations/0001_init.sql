-- Users, what they asked and viewed, their feedback; daily lessons and quiz answers.
CREATE TABLE users (
    id          INTEGER PRIMARY KEY,          -- the channel's user id (Telegram user id)
    first_name  TEXT    NOT NULL DEFAULT '',
    language    TEXT,
    created_at  TEXT    NOT NULL,
    last_seen   TEXT    NOT NULL,
    blocked     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE questions (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    text      TEXT    NOT NULL,
    topic_id  TEXT,
    score     REAL    NOT NULL,
    asked_at  TEXT    NOT NULL
);
CREATE INDEX questions_by_user ON questions(user_id, id);
CREATE INDEX questions_by_score ON questions(score);

CREATE TABLE topic_views (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic_id   TEXT    NOT NULL,
    source     TEXT    NOT NULL,              -- 'button', 'question' or 'link'
    viewed_at  TEXT    NOT NULL
);
CREATE INDEX topic_views_by_user ON topic_views(user_id);

CREATE TABLE feedback (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic_id    TEXT    NOT NULL,
    positive    INTEGER NOT NULL,
    question    TEXT,                         -- the question that led to the answer, if any
    created_at  TEXT    NOT NULL
);
CREATE INDEX feedback_by_user ON feedback(user_id);

CREATE TABLE subscriptions (
    user_id       INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    active        INTEGER NOT NULL DEFAULT 1,
    hour          INTEGER NOT NULL DEFAULT 9,  -- delivery hour, Asia/Dhaka
    next_day      INTEGER NOT NULL DEFAULT 1,  -- the course day to send next
    last_sent_on  TEXT,                        -- Dhaka date of the last lesson sent
    claim_round   TEXT,                        -- the delivery round sending to this user now
    claim_on      TEXT,                        -- the Dhaka date that claim is for
    subscribed_at TEXT    NOT NULL
);
CREATE INDEX subscriptions_due ON subscriptions(active, hour, last_sent_on);

CREATE TABLE rounds (
    id            TEXT PRIMARY KEY,            -- one delivery round of one process
    started_at    TEXT NOT NULL,
    heartbeat_at  REAL NOT NULL                -- unix time; a stale heartbeat frees its claims
);

CREATE TABLE deliveries (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day      INTEGER NOT NULL,
    sent_on  TEXT    NOT NULL,                 -- Dhaka date
    sent_at  TEXT    NOT NULL,
    via      TEXT    NOT NULL,                 -- 'push' or 'request'
    PRIMARY KEY (user_id, day)
);

CREATE TABLE quiz_answers (
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day          INTEGER NOT NULL,
    option       INTEGER NOT NULL,
    correct      INTEGER NOT NULL,
    answered_on  TEXT    NOT NULL,             -- Dhaka date
    answered_at  TEXT    NOT NULL,
    PRIMARY KEY (user_id, day)
);
