-- Back to one title: a standard line's two become "中文 · English" again.
UPDATE departure_lines SET title = title || ' · ' || title_en
WHERE kind IN ('secrets_handover', 'accounts_revoked', 'exit_pledge', 'exit_interview')
  AND title_en <> title;
ALTER TABLE departure_lines DROP COLUMN title_en;
