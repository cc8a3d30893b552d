-- A message's body as readers see it, rendered once when it is stored or edited and kept beside
-- the body, so reads never render: its HTML, and what a reply quotes of it. Both '' for a
-- deleted message. Rows stored before this are rendered by the server when it starts
-- (`Store::unrendered`): html = '' on a message that is not deleted.
ALTER TABLE messages ADD COLUMN html TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN snippet TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_unrendered ON messages (id) WHERE html = '' AND deleted = 0;
