-- The SSH host key a repository's server must present (an OpenSSH public key line), pinned at
-- registration; without one, it is accepted on first use within each checkout.
alter table repositories add column ssh_host_key text;
