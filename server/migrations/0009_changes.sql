-- What happens to a message after it is sent: edits, deletions, reactions and replies, and
-- each room's change log that carries them to every client in order.

-- `last_change` hands out each room's change numbers as `last_seq` hands out seqs: taken by
-- incrementing it in the same transaction that makes the change, so they stay gapless.
ALTER TABLE rooms ADD COLUMN last_change INTEGER NOT NULL DEFAULT 0;

-- When the author last edited the body (ms since the epoch); NULL: never.
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
-- A deleted message keeps its row (its seq stays taken) with body and mentions ''.
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1));
-- The seq of the message in the same room this one answers.
ALTER TABLE messages ADD COLUMN reply_to INTEGER;

-- Who reacted to which message with which emoji. `change` is the change that added it: it
-- orders the reactions of one message as they were made (several can share a millisecond).
CREATE TABLE reactions (
    room_id INTEGER NOT NULL REFERENCES rooms (id),
    seq     INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    emoji   TEXT    NOT NULL,
    ts      INTEGER NOT NULL,
    change  INTEGER NOT NULL,
    PRIMARY KEY (room_id, seq, user_id, emoji)
);

-- Each room's change log: change `change` did `kind` to message `seq`. `actor` is the
-- username of who did it; `emoji` is that of a react or unreact.
CREATE TABLE changes (
    room_id INTEGER NOT NULL REFERENCES rooms (id),
    change  INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    kind    TEXT    NOT NULL CHECK (kind IN ('edit', 'delete', 'react', 'unreact')),
    actor   TEXT    NOT NULL,
    emoji   TEXT,
    ts      INTEGER NOT NULL,
    PRIMARY KEY (room_id, change)
) WITHOUT ROWID;
