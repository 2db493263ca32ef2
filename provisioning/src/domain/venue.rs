//! Venues and the staff accounts that name them: a venue belongs to one municipality, and
//! an account restricted to a venue must belong to the same municipality.

use serde_json::json;
use time::OffsetDateTime;
use vrs_protocol::MunicipalityCode;

use crate::store::{AuditEvent, NewAccount};

/// Why an account cannot name its venue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VenueError {
    /// No venue has this id.
    #[error("no venue has id {id}")]
    Unknown {
        /// The id the account names.
        id: String,
    },
    /// The venue belongs to another municipality than the account.
    #[error("venue {id} belongs to municipality {venue_municipality}")]
    OtherMunicipality {
        /// The id the account names.
        id: String,
        /// The venue's municipality.
        venue_municipality: MunicipalityCode,
    },
}

/// Checks the venue `venue_id` an account of `account_municipality` names, given the
/// municipality of the venue with that id (`None` when no venue has it).
pub fn check_account_venue(
    account_municipality: MunicipalityCode,
    venue_id: &str,
    venue_municipality: Option<MunicipalityCode>,
) -> Result<(), VenueError> {
    match venue_municipality {
        None => Err(VenueError::Unknown {
            id: venue_id.to_owned(),
        }),
        Some(venue_municipality) if venue_municipality != account_municipality => {
            Err(VenueError::OtherMunicipality {
                id: venue_id.to_owned(),
                venue_municipality,
            })
        }
        Some(_) => Ok(()),
    }
}

/// The audit event of a new venue (`id` as the store assigned it).
pub fn venue_added(
    id: &str,
    municipality: MunicipalityCode,
    name: &str,
    actor: &str,
    at: OffsetDateTime,
) -> AuditEvent {
    AuditEvent {
        at,
        actor: actor.to_owned(),
        action: "venue.add".into(),
        subject: id.to_owned(),
        detail: json!({ "municipality": municipality.as_string(), "name": name }),
    }
}

/// The audit event of a new account (never its password hash).
pub fn account_added(account: &NewAccount, actor: &str, at: OffsetDateTime) -> AuditEvent {
    AuditEvent {
        at,
        actor: actor.to_owned(),
        action: "account.add".into(),
        subject: account.login_id.clone(),
        detail: json!({
            "municipality": account.municipality.as_string(),
            "venue_id": account.venue_id,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn account(venue_id: Option<&str>) -> NewAccount {
        NewAccount {
            login_id: "chiyoda01".into(),
            municipality: "131016".parse().unwrap(),
            password_phc: "$argon2id$secret".into(),
            venue_id: venue_id.map(str::to_owned),
        }
    }

    #[test]
    fn a_venue_of_the_accounts_municipality_is_accepted() {
        let chiyoda = "131016".parse().unwrap();
        assert_eq!(check_account_venue(chiyoda, "1", Some(chiyoda)), Ok(()));
    }

    #[test]
    fn an_unknown_venue_or_one_of_another_municipality_is_refused() {
        let chiyoda: MunicipalityCode = "131016".parse().unwrap();
        let sapporo: MunicipalityCode = "011002".parse().unwrap();
        assert_eq!(
            check_account_venue(chiyoda, "9", None),
            Err(VenueError::Unknown { id: "9".into() })
        );
        assert_eq!(
            check_account_venue(chiyoda, "2", Some(sapporo)),
            Err(VenueError::OtherMunicipality {
                id: "2".into(),
                venue_municipality: sapporo
            })
        );
    }

    #[test]
    fn events_name_what_was_added_and_never_the_password() {
        let at = datetime!(2021-06-01 10:00 UTC);
        let venue = venue_added("3", "131016".parse().unwrap(), "区役所", "office", at);
        assert_eq!(
            (venue.action.as_str(), venue.subject.as_str()),
            ("venue.add", "3")
        );
        assert_eq!(
            venue.detail,
            json!({ "municipality": "131016", "name": "区役所" })
        );
        let added = account_added(&account(Some("3")), "office", at);
        assert_eq!(added.action, "account.add");
        assert_eq!(added.subject, "chiyoda01");
        assert_eq!(
            added.detail,
            json!({ "municipality": "131016", "venue_id": "3" })
        );
        assert!(!added.detail.to_string().contains("secret"));
    }
}
