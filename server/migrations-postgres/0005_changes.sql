-- What happens to a message after it is sent: edits, deletions, reactions and replies, and
-- each room's change log that carries them to every client in order.

-- `last_change` hands out each room's change numbers as `last_seq` hands out seqs: taken by
-- incrementing it in the same transaction that makes the change (which locks the room's row
-- until the commit), so they stay gapless.
ALTER TABLE rooms ADD COLUMN last_change BIGINT NOT NULL DEFAULT 0;

-- When the author last edited the body (ms since the epoch); NULL: never.
ALTER TABLE messages ADD COLUMN edited_at BIGINT;
-- A deleted message keeps its row (its seq stays taken) with body and mentions ''.
ALTER TABLE messages ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT FALSE;
-- The seq of the message in the same room this one answers.
ALTER TABLE messages ADD COLUMN reply_to BIGINT;

-- Who reacted to which message with which emoji. `change` is the change that added it: it
-- orders the reactions of one message as they were made (several can share a millisecond).
CREATE TABLE reactions (
    room_id BIGINT NOT NULL REFERENCES rooms (id),
    seq     BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    emoji   TEXT   NOT NULL,
    ts      BIGINT NOT NULL,
    change  BIGINT NOT NULL,
    PRIMARY KEY (room_id, seq, user_id, emoji)
);

-- Each room's change log: change `change` did `kind` to message `seq`. `actor` is the
-- username of who did it; `emoji` is that of a react or unreact.
CREATE TABLE changes (
    room_id BIGINT NOT NULL REFERENCES rooms (id),
    change  BIGINT NOT NULL,
    seq     BIGINT NOT NULL,
    kind    TEXT   NOT NULL CHECK (kind IN ('edit', 'delete', 'react', 'unreact')),
    actor   TEXT   NOT NULL,
    emoji   TEXT,
    ts      BIGINT NOT NULL,
    PRIMARY KEY (room_id, change)
);
