-- Pinned messages: who pinned a message to its room (username) and when (ms since the epoch);
-- both NULL when it is not pinned. A deletion unpins.
ALTER TABLE messages ADD COLUMN pinned_at INTEGER;
ALTER TABLE messages ADD COLUMN pinned_by TEXT;
CREATE INDEX messages_pinned ON messages (room_id, pinned_at) WHERE pinned_at IS NOT NULL;

-- The change log takes pins and unpins: SQLite cannot change a CHECK, so the table is made anew.
CREATE TABLE changes_new (
    room_id INTEGER NOT NULL REFERENCES rooms (id),
    change  INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    kind    TEXT    NOT NULL
            CHECK (kind IN ('edit', 'delete', 'react', 'unreact', 'pin', 'unpin')),
    actor   TEXT    NOT NULL,
    emoji   TEXT,
    ts      INTEGER NOT NULL,
    PRIMARY KEY (room_id, change)
) WITHOUT ROWID;
INSERT INTO changes_new SELECT room_id, change, seq, kind, actor, emoji, ts FROM changes;
DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;
