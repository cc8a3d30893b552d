-- Read positions: the seq of the newest message each user has read in each room of their list.
ALTER TABLE room_members ADD COLUMN read_seq BIGINT NOT NULL DEFAULT 0;
-- Everything said before read positions existed counts as read.
UPDATE room_members SET read_seq = rooms.last_seq FROM rooms WHERE rooms.id = room_members.room_id;
-- Whoever enters a room's list (joins, is added, creates it) has read nothing of what comes
-- next and everything before: a new member is not shown the whole history as unread.
CREATE FUNCTION room_members_read_from_now() RETURNS trigger AS $$
BEGIN
    IF NEW.read_seq = 0 THEN
        SELECT last_seq INTO NEW.read_seq FROM rooms WHERE id = NEW.room_id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER room_members_read_from_now BEFORE INSERT ON room_members
    FOR EACH ROW EXECUTE FUNCTION room_members_read_from_now();

-- The room members a message mentions (`@name`): space-separated usernames, '' for none.
ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '';
