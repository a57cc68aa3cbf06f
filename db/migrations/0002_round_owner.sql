-- Which host and process runs a delivery round, so a restarted process on the same host
-- can free the claims of a round whose process is gone without waiting for its heartbeat
-- to go stale.
ALTER TABLE rounds ADD COLUMN host TEXT NOT NULL DEFAULT '';
ALTER TABLE rounds ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
