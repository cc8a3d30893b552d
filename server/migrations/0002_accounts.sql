-- Accounts, sessions, room kinds and memberships.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    -- An argon2id PHC string: algorithm, parameters, salt and hash.
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);

-- A session is found by the SHA-256 of its cookie token: the table alone lets nobody log in.
CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- 'public': every user; 'private': its members, added by its owner; 'direct': its two members.
ALTER TABLE rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'public'
    CHECK (kind IN ('public', 'private', 'direct'));
ALTER TABLE rooms ADD COLUMN owner_id INTEGER REFERENCES users (id);

CREATE TABLE room_members (
    room_id  INTEGER NOT NULL REFERENCES rooms (id),
    user_id  INTEGER NOT NULL REFERENCES users (id),
    added_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
CREATE INDEX room_members_user ON room_members (user_id);

-- Messages stored before accounts keep their free-text author and have no author_id.
ALTER TABLE messages ADD COLUMN author_id INTEGER REFERENCES users (id);
