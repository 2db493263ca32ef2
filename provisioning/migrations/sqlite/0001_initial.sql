-- The first schema of the SQLite store. Databases made before schema_migrations existed
-- counted it in PRAGMA user_version = 1; opening them records version 1 as applied.
CREATE TABLE devices (
    serial              TEXT PRIMARY KEY,
    imei                TEXT NOT NULL,
    state               TEXT NOT NULL,
    municipality        TEXT,
    cert_fingerprint    TEXT UNIQUE,
    registered_at       TEXT NOT NULL,
    enrolled_at         TEXT,
    last_check_in_at    TEXT,
    firmware_version    TEXT,
    outbox_depth        INTEGER,
    oldest_unsent_age_s INTEGER,
    modem_json          TEXT
);
CREATE TABLE venues (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (municipality, name)
);
CREATE TABLE vaccine_makers (
    position INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE
);
CREATE TABLE accounts (
    login_id     TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    password_phc TEXT NOT NULL,
    venue_id     INTEGER REFERENCES venues(id),
    created_at   TEXT NOT NULL
);
CREATE INDEX accounts_municipality ON accounts(municipality);
CREATE TABLE records (
    id                   TEXT PRIMARY KEY,
    registered_at        TEXT NOT NULL,
    registered_at_us     INTEGER NOT NULL,
    vaccination_date     TEXT NOT NULL,
    municipality         TEXT NOT NULL,
    ticket_number        TEXT NOT NULL,
    dose                 INTEGER NOT NULL,
    ticket_kind          INTEGER NOT NULL,
    venue                TEXT NOT NULL,
    doctor               TEXT NOT NULL,
    maker                TEXT NOT NULL,
    lot                  TEXT NOT NULL,
    outcome              TEXT NOT NULL,
    operator             TEXT NOT NULL,
    received_at          TEXT NOT NULL,
    device_serial        TEXT NOT NULL REFERENCES devices(serial),
    superseded_by        TEXT REFERENCES records(id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX records_key ON records(municipality, ticket_number, dose);
CREATE UNIQUE INDEX records_current_key ON records(municipality, ticket_number, dose)
    WHERE superseded_by IS NULL;
CREATE INDEX records_day ON records(vaccination_date, venue);
CREATE TABLE audit_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT NOT NULL
);
