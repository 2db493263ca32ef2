//! Where the AT port may be after a USB re-enumeration: fixed paths and simple patterns.
//!
//! A pattern may use `*` (any run of characters) and `?` (one character) in its last path
//! component, e.g. `/dev/serial/by-id/usb-Quectel_*-if02-port0` or `/dev/ttyUSB*`.

use std::path::{Path, PathBuf};

/// Expands `patterns` into existing paths, in order, without duplicates. Matches of one
/// pattern are sorted by name so the choice is stable.
pub fn expand(patterns: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for pattern in patterns {
        for path in expand_one(pattern) {
            if !out.contains(&path) {
                out.push(path);
            }
        }
    }
    out
}

fn expand_one(pattern: &Path) -> Vec<PathBuf> {
    let Some(name) = pattern.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    if !name.contains(['*', '?']) {
        return if pattern.exists() {
            vec![pattern.to_path_buf()]
        } else {
            Vec::new()
        };
    }
    let dir = match pattern.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| !n.starts_with('.') && wildcard_match(name, n))
        })
        .map(|e| dir.join(e.file_name()))
        .collect();
    found.sort();
    found
}

/// `*` and `?` matching over characters.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("ttyUSB*", "ttyUSB2"));
        assert!(wildcard_match("ttyUSB?", "ttyUSB2"));
        assert!(!wildcard_match("ttyUSB?", "ttyUSB10"));
        assert!(wildcard_match(
            "usb-Quectel_*-if02-port0",
            "usb-Quectel_EC25_abc-if02-port0"
        ));
        assert!(!wildcard_match(
            "usb-Quectel_*-if02-port0",
            "usb-Quectel_EC25_abc-if03-port0"
        ));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("a", ""));
    }

    #[test]
    fn expands_patterns_in_order_without_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        for n in ["ttyUSB3", "ttyUSB2", "other", ".hidden-ttyUSB9"] {
            std::fs::write(dir.path().join(n), b"").unwrap();
        }
        let fixed = dir.path().join("other");
        let missing = dir.path().join("absent");
        let found = expand(&[
            missing,
            fixed.clone(),
            dir.path().join("ttyUSB*"),
            dir.path().join("ttyUSB2"),
        ]);
        assert_eq!(
            found,
            vec![
                fixed,
                dir.path().join("ttyUSB2"),
                dir.path().join("ttyUSB3")
            ]
        );
    }
}
