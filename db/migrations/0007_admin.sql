-- The operators' dashboard (issue 12): an audit table of admin actions, the review queue's
-- decisions and learned examples, broadcasts with one claimable row per recipient, and the
-- indexes the overview's counts need (measured in bench/admin_overview.py).
CREATE TABLE admin_audit (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,                  -- ISO time, UTC
    actor   TEXT NOT NULL,                  -- the name given at login, or 'cli'/'telegram:…'
    action  TEXT NOT NULL,                  -- 'login', 'accept', 'broadcast', 'reload', …
    detail  TEXT NOT NULL DEFAULT '',
    ip      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE learned_examples (
    id         INTEGER PRIMARY KEY,
    topic_id   TEXT NOT NULL,
    text       TEXT NOT NULL,
    group_key  TEXT NOT NULL,               -- the review group it was accepted from
    added_at   TEXT NOT NULL,
    actor      TEXT NOT NULL,
    UNIQUE (topic_id, text)
);

CREATE TABLE review_decisions (
    group_key   TEXT PRIMARY KEY,           -- the matcher keys of the group's questions
    decision    TEXT NOT NULL,              -- 'accepted', 'rejected' or 'skipped'
    topic_id    TEXT,
    decided_at  TEXT NOT NULL,
    actor       TEXT NOT NULL
);

CREATE TABLE broadcasts (
    id          INTEGER PRIMARY KEY,
    text        TEXT NOT NULL,
    buttons     TEXT NOT NULL DEFAULT '',   -- topic ids, space-separated
    audience    TEXT NOT NULL,              -- 'everyone', 'subscribers' or 'channel:<name>'
    created_at  TEXT NOT NULL,
    actor       TEXT NOT NULL,
    total       INTEGER NOT NULL DEFAULT 0
);

-- One row per recipient, created with the broadcast: a round claims a row before sending
-- and records the outcome after, so a crash and a rerun send once per user.
CREATE TABLE broadcast_targets (
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    state         TEXT NOT NULL DEFAULT 'pending',  -- pending, sent, skipped, blocked, failed
    claim_round   TEXT,
    done_at       TEXT,
    PRIMARY KEY (broadcast_id, user_id)
);
CREATE INDEX broadcast_targets_state ON broadcast_targets(broadcast_id, state);

CREATE INDEX users_by_created ON users(created_at);
CREATE INDEX deliveries_by_date ON deliveries(sent_on);
CREATE INDEX quiz_answers_by_day ON quiz_answers(day, correct);
CREATE INDEX topic_views_by_topic ON topic_views(topic_id);
CREATE INDEX feedback_by_topic ON feedback(topic_id, positive);
CREATE INDEX questions_unanswered ON questions(id) WHERE topic_id IS NULL;
