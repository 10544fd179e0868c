-- Runs once, when the PostgreSQL volume is first initialised: the two databases Temporal uses
-- (POSTGRES_DB creates `temporal`). deploy/temporal/setup-schema.sh then creates or upgrades their schemas.
CREATE DATABASE temporal_visibility;
