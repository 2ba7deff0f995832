-- Case numbers come from a sequence (docs/cases.md, "Case numbers"):
-- nextval takes no lock that lasts, so openings for different customers no
-- longer take turns on one advisory lock held to their commit. The
-- sequence starts after the highest number already given. A number taken
-- by an opening that rolls back is not given again: numbers are unique and
-- increase in the order openings took them, with possible gaps.

-- +goose Up
CREATE SEQUENCE case_numbers AS BIGINT MINVALUE 1;
SELECT setval('case_numbers', COALESCE((SELECT MAX(number) FROM cases), 0) + 1, false);

