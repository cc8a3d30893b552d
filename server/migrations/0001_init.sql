-- Rooms and their messages. `last_seq` hands out each room's sequence numbers: a message's
-- seq is taken by incrementing it in the same transaction that stores the message.
CREATE TABLE rooms (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    last_seq   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE messages (
    id         TEXT    PRIMARY KEY,
    room_id    INTEGER NOT NULL REFERENCES rooms (id),
    seq        INTEGER NOT NULL,
    author     TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    ts         INTEGER NOT NULL,
    client_key TEXT,
    UNIQUE (room_id, seq)
);

-- A client's idempotency key is stored once per room.
CREATE UNIQUE INDEX messages_client_key ON messages (room_id, client_key) WHERE client_key IS NOT NULL;

INSERT INTO rooms (name, created_at) VALUES ('general', CAST(strftime('%s', 'now') AS INTEGER) * 1000);
