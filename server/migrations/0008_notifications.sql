-- What each room of a user's list notifies them of: every message, mentions (and every message
-- of a direct conversation), or nothing.
ALTER TABLE room_members ADD COLUMN notify TEXT NOT NULL DEFAULT 'mentions'
    CHECK (notify IN ('all', 'mentions', 'muted'));
