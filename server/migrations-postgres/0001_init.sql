-- Natter's schema for PostgreSQL: in one step, the schema the SQLite migrations 0001..0005 reach
-- together (a PostgreSQL database has no older schema to bring forward). Ids are handed out by
-- the database; times are BIGINT milliseconds since the Unix epoch.

-- Accounts and sessions.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT   NOT NULL UNIQUE,
    -- An argon2id PHC string: algorithm, parameters, salt and hash.
    password_hash TEXT   NOT NULL,
    created_at    BIGINT NOT NULL
);

-- A session is found by the SHA-256 of its cookie token: the table alone lets nobody log in.
CREATE TABLE sessions (
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Rooms. `last_seq` hands out each room's sequence numbers: a message's seq is taken by
-- incrementing it in the same transaction that stores the message, which locks the row until
-- the commit, so the writers of every node take turns per room and seqs stay gapless.
-- `name` compares byte by byte (COLLATE "C"), as SQLite's does: listing by name and browsing
-- page by page (`name > after`) agree whatever the database's locale.
-- A private room is named by its owner, `ada/plans`: everyone names their private rooms apart
-- from everyone else's, so creating a room never tells anyone which private rooms exist.
-- 'public': every user; 'private': its members, added by its owner; 'direct': its two members.
-- `topic` is the room's one-line topic, shown under its title; '' when none was set.
CREATE TABLE rooms (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL UNIQUE,
    last_seq   BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    kind       TEXT   NOT NULL DEFAULT 'public'
        CHECK (kind IN ('public', 'private', 'direct')),
    owner_id   BIGINT REFERENCES users (id),
    topic      TEXT   NOT NULL DEFAULT ''
);

-- The members of private rooms and direct conversations, and the public rooms each user has
-- joined: their room list ("your rooms"). Everyone starts in `general`.
CREATE TABLE room_members (
    room_id  BIGINT NOT NULL REFERENCES rooms (id),
    user_id  BIGINT NOT NULL REFERENCES users (id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user ON room_members (user_id);

-- Messages keep their author's name as written (`author`) beside the account (`author_id`);
-- `author_id` may be NULL only for messages imported from before accounts existed.
CREATE TABLE messages (
    id         TEXT   PRIMARY KEY,
    room_id    BIGINT NOT NULL REFERENCES rooms (id),
    seq        BIGINT NOT NULL,
    author     TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    ts         BIGINT NOT NULL,
    client_key TEXT,
    author_id  BIGINT REFERENCES users (id),
    UNIQUE (room_id, seq)
);

-- An idempotency key belongs to its author: unique per (room, author, key), so another member
-- reusing the same key stores their own message instead of getting someone else's.
CREATE UNIQUE INDEX messages_author_key ON messages (room_id, author_id, client_key)
    WHERE client_key IS NOT NULL;

INSERT INTO rooms (name, created_at) VALUES ('general', (extract(epoch FROM now()) * 1000)::bigint);
