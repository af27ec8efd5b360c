-- A checklist line's title in each language: `title` keeps the Chinese, `title_en` the
-- English. The standard lines were titled "中文 · English" from the policy; they are split
-- here. A carrier's line ("tag · description") and a line HR added are one text, the same in
-- both, whatever their words: told apart by the line's kind, not its text.
-- The default stays, as SQLite cannot drop it: both backends behave alike, and a line
-- stored without an English title shows its Chinese one.
ALTER TABLE departure_lines ADD COLUMN title_en TEXT NOT NULL DEFAULT '';
UPDATE departure_lines SET title_en = title;
UPDATE departure_lines
SET title_en = substr(title, instr(title, ' · ') + 3),
    title = substr(title, 1, instr(title, ' · ') - 1)
WHERE kind IN ('secrets_handover', 'accounts_revoked', 'exit_pledge', 'exit_interview')
  AND instr(title, ' · ') > 1
  AND length(title) > instr(title, ' · ') + 2;
