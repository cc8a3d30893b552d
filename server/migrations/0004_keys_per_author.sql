-- An idempotency key belongs to its author: unique per (room, author, key), so another member
-- reusing the same key stores their own message instead of getting someone else's.
DROP INDEX messages_client_key;
CREATE UNIQUE INDEX messages_author_key ON messages (room_id, author_id, client_key)
    WHERE client_key IS NOT NULL;
