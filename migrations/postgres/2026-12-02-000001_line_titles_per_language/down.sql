-- Back to one title: a line whose two differ becomes "中文 · English" again (a standard
-- line, or one a policy titled in both), so no English is lost.
UPDATE departure_lines SET title = title || ' · ' || title_en
WHERE title_en <> '' AND title_en <> title;
ALTER TABLE departure_lines DROP COLUMN title_en;
