-- A build's log is read in pages of chunks by id, command by command (keyset reads).
create index log_chunks_command_pages on log_chunks (command_id, id);
