-- Administrators may open the ops dashboard. The first account of a database is one (an
-- existing database's oldest account becomes one); `natter admin grant|revoke` changes it.
ALTER TABLE users ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE users SET is_admin = TRUE WHERE id = (SELECT MIN(id) FROM users);
