-- Administrators may open the ops dashboard. The first account of a database is one (an
-- existing database's oldest account becomes one); `natter admin grant|revoke` changes it.
ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1));
UPDATE users SET is_admin = 1 WHERE id = (SELECT MIN(id) FROM users);
