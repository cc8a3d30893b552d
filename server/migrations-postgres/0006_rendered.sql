-- A message's body as readers see it, rendered once when it is stored or edited and kept beside
-- the body, so reads never render: its HTML, and what a reply quotes of it. Both '' for a
-- deleted message. NULL html: stored before this, not rendered yet; the server renders those
-- when it starts (`Store::unrendered`). ('' is a real rendering: a body can render to nothing.)
ALTER TABLE messages ADD COLUMN html TEXT;
ALTER TABLE messages ADD COLUMN snippet TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_unrendered ON messages (id) WHERE html IS NULL AND NOT deleted;
