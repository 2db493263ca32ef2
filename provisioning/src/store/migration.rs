//! Versioned schema migrations, one SQL file per version and backend under
//! `provisioning/migrations/{sqlite,postgres}/`, embedded at build time.
//!
//! Each store applies the versions it has not applied yet, in order, inside one
//! transaction, and records each in its `schema_migrations` table (version, applied at).
//! A database that has applied a version this build does not know is refused
//! ([`StoreError::SchemaTooNew`]) rather than written with an older schema in mind.
//! A new version is a new file in both folders and one line in each list below.

use super::StoreError;

/// One schema version: the SQL that takes the schema from `version - 1` to `version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// The version it brings the schema to, counting from 1.
    pub version: i64,
    /// The SQL, run as one batch.
    pub sql: &'static str,
}

/// The SQLite store's migrations, oldest first.
pub const SQLITE: &[Migration] = &[Migration {
    version: 1,
    sql: include_str!("../../migrations/sqlite/0001_initial.sql"),
}];

/// The PostgreSQL store's migrations, oldest first.
pub const POSTGRES: &[Migration] = &[Migration {
    version: 1,
    sql: include_str!("../../migrations/postgres/0001_initial.sql"),
}];

/// The version that seeds the vaccine makers
/// ([`SEEDED_VACCINE_MAKERS`](super::SEEDED_VACCINE_MAKERS)) right after its SQL.
pub const SEEDS_VACCINE_MAKERS: i64 = 1;

/// The migrations of `all` still to apply to a database at version `applied`.
pub fn pending(
    all: &'static [Migration],
    applied: i64,
) -> Result<&'static [Migration], StoreError> {
    let supported = latest(all);
    if applied > supported {
        return Err(StoreError::SchemaTooNew {
            found: applied,
            supported,
        });
    }
    Ok(&all[all.partition_point(|m| m.version <= applied)..])
}

/// The newest version in `all`.
pub fn latest(all: &[Migration]) -> i64 {
    all.last().map_or(0, |m| m.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_count_up_from_one_in_both_backends() {
        for all in [SQLITE, POSTGRES] {
            let versions: Vec<i64> = all.iter().map(|m| m.version).collect();
            let expected: Vec<i64> = (1..=all.len() as i64).collect();
            assert_eq!(versions, expected);
        }
        assert_eq!(
            latest(SQLITE),
            latest(POSTGRES),
            "the two schemas move together"
        );
    }

    #[test]
    fn pending_is_what_follows_the_applied_version() {
        assert_eq!(pending(SQLITE, 0).unwrap(), SQLITE);
        assert!(pending(SQLITE, latest(SQLITE)).unwrap().is_empty());
        assert!(matches!(
            pending(SQLITE, latest(SQLITE) + 1),
            Err(StoreError::SchemaTooNew { found, supported })
                if found == latest(SQLITE) + 1 && supported == latest(SQLITE)
        ));
    }
}
