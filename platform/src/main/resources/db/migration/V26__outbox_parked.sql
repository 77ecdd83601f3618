-- Outbox rows Kafka refuses for good (a record too large, a topic that cannot exist, a payload
-- that cannot be serialized): the relay moves them here, in the transaction that would have
-- deleted them, and carries on with the rows after them. The row's own columns, then why it was
-- parked and when. See docs/events.md, "Parked events".
create table outbox_parked (
  id         bigint primary key,
  topic      text not null,
  record_key text not null,
  payload    text not null,
  created_at timestamptz not null,
  error      text not null,
  parked_at  timestamptz not null default now()
);
