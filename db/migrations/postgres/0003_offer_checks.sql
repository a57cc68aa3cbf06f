-- Scam checks of offers, as SQLite migration 0006: verdict, flag ids and time only.
CREATE TABLE offer_checks (
    id          BIGSERIAL PRIMARY KEY,
    verdict     TEXT NOT NULL,
    flags       TEXT NOT NULL,
    checked_at  TEXT NOT NULL
);
