-- A room's one-line topic, shown under its title; '' when none was set.
ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';
