-- A host whose last command could not run for an infrastructure reason (unreachable, refused the
-- key, lost the connection) is suspect until a command runs there again: operators see why.
alter table resources
  add column suspect_reason text,
  add column suspect_since timestamptz;
