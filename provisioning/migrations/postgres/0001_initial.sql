-- The first schema of the PostgreSQL store: the SQLite store's columns in the same
-- representation (timestamps as RFC 3339 text, dates as YYYY-MM-DD, 64-bit integers), so
-- both stores convert rows with the same code (src/store/rows.rs).
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
    outbox_depth        BIGINT,
    oldest_unsent_age_s BIGINT,
    modem_json          TEXT
);
CREATE TABLE venues (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (municipality, name)
);
CREATE TABLE vaccine_makers (
    position BIGINT PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE
);
CREATE TABLE accounts (
    login_id     TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    password_phc TEXT NOT NULL,
    venue_id     BIGINT REFERENCES venues(id),
    created_at   TEXT NOT NULL
);
CREATE INDEX accounts_municipality ON accounts(municipality);
CREATE TABLE records (
    id                   TEXT PRIMARY KEY,
    registered_at        TEXT NOT NULL,
    registered_at_us     BIGINT NOT NULL,
    vaccination_date     TEXT NOT NULL,
    municipality         TEXT NOT NULL,
    ticket_number        TEXT NOT NULL,
    dose                 BIGINT NOT NULL,
    ticket_kind          BIGINT NOT NULL,
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
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT NOT NULL
);
