//! Times on screen are Japan Standard Time, whatever the tablet's zone.

use time::OffsetDateTime;
use vrs_device::session::JST;

/// The instant in JST.
pub fn to_jst(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(JST)
}
