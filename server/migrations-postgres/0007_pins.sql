-- Pinned messages: who pinned a message to its room (username) and when (ms since the epoch);
-- both NULL when it is not pinned. A deletion unpins.
ALTER TABLE messages ADD COLUMN pinned_at BIGINT;
ALTER TABLE messages ADD COLUMN pinned_by TEXT;
CREATE INDEX messages_pinned ON messages (room_id, pinned_at) WHERE pinned_at IS NOT NULL;

-- The change log takes pins and unpins.
ALTER TABLE changes DROP CONSTRAINT changes_kind_check;
ALTER TABLE changes ADD CONSTRAINT changes_kind_check
    CHECK (kind IN ('edit', 'delete', 'react', 'unreact', 'pin', 'unpin'));
