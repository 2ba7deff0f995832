-- An engagement's sessions may add up to less than the hours quoted only
-- when the provider confirms the difference with a reason: the
-- confirmation is JSON of engagements.Shortfall (hours quoted and booked,
-- the reason, who confirmed it and when), NULL while the sessions cover
-- the quote. The store neither reads nor queries inside it.

-- +goose Up
ALTER TABLE engagements ADD COLUMN hours_shortfall TEXT;
