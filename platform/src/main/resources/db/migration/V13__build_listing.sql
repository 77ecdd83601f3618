-- GET /api/v1/builds lists builds newest first, a page at a time: the cursor is the
-- (created_at, id) of the last build of the previous page, so each page is an index range scan.
create index builds_newest on builds (created_at desc, id desc);
-- the same, for one plan's builds (?plan=), the filter asked for most
create index builds_plan_newest on builds (plan_name, created_at desc, id desc);
