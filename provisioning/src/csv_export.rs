//! The officers' CSV export of a municipality's records (full ticket numbers, UTF-8).

use std::io::{self, Write};

use time::format_description::well_known::Rfc3339;

use crate::store::StoredRecord;

/// Header row of the export, in column order.
pub const HEADER: [&str; 15] = [
    "id",
    "registered_at",
    "vaccination_date",
    "municipality",
    "ticket_number",
    "dose",
    "ticket_kind",
    "venue",
    "doctor",
    "maker",
    "lot",
    "outcome",
    "operator",
    "device",
    "superseded",
];

/// Quotes a field when it holds a comma, a quote or a line break (RFC 4180).
pub fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

fn row(out: &mut dyn Write, fields: &[String]) -> io::Result<()> {
    let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
    out.write_all(line.join(",").as_bytes())?;
    out.write_all(b"\r\n")
}

/// Writes the header and one row per record. `outcome` is 接種済 / 予診のみ; `superseded`
/// is the id of the record that replaced this one, empty for current records.
pub fn write(out: &mut dyn Write, records: &[StoredRecord]) -> io::Result<()> {
    row(out, &HEADER.map(str::to_owned))?;
    for stored in records {
        let r = &stored.record;
        row(
            out,
            &[
                r.id.to_string(),
                r.registered_at
                    .format(&Rfc3339)
                    .unwrap_or_else(|_| r.registered_at.to_string()),
                r.vaccination_date.to_string(),
                r.municipality.as_string(),
                r.ticket_number.as_str().to_owned(),
                r.dose.to_string(),
                r.ticket_kind.to_string(),
                r.venue.clone(),
                r.doctor.clone(),
                r.maker.clone(),
                r.lot.clone(),
                r.outcome.label_ja().to_owned(),
                r.operator.clone(),
                stored.device_serial.clone(),
                stored
                    .superseded_by
                    .map(|id| id.to_string())
                    .unwrap_or_default(),
            ],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(field("abc"), "abc");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("a\nb"), "\"a\nb\"");
    }
}
