-- Every incoming event (a Telegram update, a Messenger messaging event) is stored here before
-- it is acknowledged (getUpdates offset confirmed, webhook answered 200) and marked done once
-- its replies are sent: a crash loses nothing (pending events are replayed at start) and a
-- duplicate delivery is recognised by its id. The payload (which holds the user's text) is
-- cleared when the event is done; done rows are pruned after a few days.
CREATE TABLE inbox (
    channel      TEXT NOT NULL,
    event_id     TEXT NOT NULL,             -- Telegram update_id, Messenger message mid, …
    payload      TEXT NOT NULL,             -- the raw event as JSON; '' once done
    received_at  TEXT NOT NULL,
    done_at      TEXT,
    PRIMARY KEY (channel, event_id)
);
CREATE INDEX inbox_pending ON inbox(channel, done_at, received_at);
