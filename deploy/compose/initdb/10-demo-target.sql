-- Demo target for the local stack (runs once, when the PostgreSQL volume is created).
--
-- auth_service  the application's role: its sessions are the ones the runbook may terminate
-- remediator    Remediator's own role: reads pg_stat_activity of every session (pg_monitor) and may
--               pg_terminate_backend() non-superuser sessions (pg_signal_backend). No table access.
CREATE ROLE auth_service LOGIN PASSWORD 'auth-service-local';
CREATE ROLE remediator LOGIN PASSWORD 'remediator-local' CONNECTION LIMIT 5;
GRANT pg_monitor, pg_signal_backend TO remediator;
CREATE DATABASE authdb OWNER auth_service;
