-- A private room is named by its owner, `ada/plans`: everyone names their private rooms apart
-- from everyone else's, so creating a room never tells anyone which private rooms exist.
UPDATE rooms SET name = (SELECT username FROM users WHERE id = rooms.owner_id) || '/' || name
    WHERE kind = 'private' AND owner_id IS NOT NULL;

-- `room_members` now also holds the public rooms each user has joined: their room list ("your
-- rooms"). Everyone starts in `general`; a user keeps the public rooms they created or wrote in.
INSERT OR IGNORE INTO room_members (room_id, user_id, added_at)
    SELECT r.id, u.id, CAST(strftime('%s', 'now') AS INTEGER) * 1000
    FROM rooms r, users u WHERE r.name = 'general' AND r.kind = 'public';
INSERT OR IGNORE INTO room_members (room_id, user_id, added_at)
    SELECT DISTINCT m.room_id, m.author_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000
    FROM messages m JOIN rooms r ON r.id = m.room_id
    WHERE r.kind = 'public' AND m.author_id IS NOT NULL;
INSERT OR IGNORE INTO room_members (room_id, user_id, added_at)
    SELECT r.id, r.owner_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000
    FROM rooms r WHERE r.kind = 'public' AND r.owner_id IS NOT NULL;
