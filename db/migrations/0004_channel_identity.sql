-- Users are channel-qualified: an internal id (users.id, which every other table refers to)
-- plus the channel and the channel's own id for them. Every existing user came from Telegram
-- and keeps their internal id, so subscriptions, progress and feedback stay attached.
-- last_inbound_at is the time of the user's last message, button press or postback: the
-- Messenger 24-hour window is counted from it.
ALTER TABLE users ADD COLUMN channel TEXT NOT NULL DEFAULT 'telegram';
ALTER TABLE users ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_inbound_at TEXT;
UPDATE users SET external_id = CAST(id AS TEXT), last_inbound_at = last_seen;
CREATE UNIQUE INDEX users_by_identity ON users(channel, external_id);
