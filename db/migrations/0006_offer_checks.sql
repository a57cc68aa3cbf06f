-- Scam checks of offers users pasted or forwarded: only the verdict, the red-flag ids and
-- the time, for counts an editor can see. Never the offer's text, never who asked.
CREATE TABLE offer_checks (
    id          INTEGER PRIMARY KEY,
    verdict     TEXT NOT NULL,                -- 'high', 'medium' or 'none_found'
    flags       TEXT NOT NULL,                -- red-flag ids, space-separated
    checked_at  TEXT NOT NULL
);
