-- A private key may be protected by a passphrase: kept encrypted beside the key.
alter table credentials add column passphrase bytea;
