//! Byte stream → lines.
//!
//! A modem's output is CR/LF-framed text, but a serial line delivers it in arbitrary pieces
//! and sometimes with noise (after a USB reconnect, during a reset). The framer cuts lines at
//! CR or LF, drops empty lines, strips control characters and bytes that are not UTF-8, and
//! caps line length: an over-long line is discarded up to its end with a logged warning.

/// Longest line kept, in bytes; AT responses are far shorter.
pub const MAX_LINE: usize = 1024;

/// Incremental line splitter.
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    max_line: usize,
    discarding: bool,
}

impl Default for Framer {
    fn default() -> Self {
        Self::new()
    }
}

impl Framer {
    /// A framer with the default line cap ([`MAX_LINE`]).
    pub fn new() -> Self {
        Self::with_max_line(MAX_LINE)
    }

    /// A framer that discards lines longer than `max_line` bytes.
    pub fn with_max_line(max_line: usize) -> Self {
        Framer {
            buf: Vec::new(),
            max_line: max_line.max(1),
            discarding: false,
        }
    }

    /// Feeds bytes; every line completed by them is appended to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<String>) {
        for &b in bytes {
            if b == b'\r' || b == b'\n' {
                if self.discarding {
                    self.discarding = false;
                } else if let Some(line) = clean(&self.buf) {
                    out.push(line);
                }
                self.buf.clear();
            } else if self.discarding {
                // Still inside an over-long line.
            } else if self.buf.len() >= self.max_line {
                log::warn!(
                    "modem: discarding a line longer than {} bytes (starts {:?})",
                    self.max_line,
                    String::from_utf8_lossy(&self.buf[..self.buf.len().min(32)])
                );
                self.buf.clear();
                self.discarding = true;
            } else {
                self.buf.push(b);
            }
        }
    }

    /// The incomplete line received so far (cleaned), e.g. a `> ` prompt.
    pub fn partial(&self) -> String {
        clean(&self.buf).unwrap_or_default()
    }

    /// Forgets any partial line (after reopening the port).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.discarding = false;
    }
}

/// Removes control characters and undecodable bytes; `None` when nothing printable is left.
fn clean(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_control() && *c != char::REPLACEMENT_CHARACTER)
        .collect();
    if cleaned.len() != text.len() {
        log::debug!("modem: stripped noise from a line: {raw:02x?}");
    }
    let trimmed = cleaned.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(framer: &mut Framer, chunks: &[&[u8]]) -> Vec<String> {
        let mut out = Vec::new();
        for c in chunks {
            framer.push(c, &mut out);
        }
        out
    }

    #[test]
    fn splits_crlf_framed_responses_and_skips_blank_lines() {
        let mut f = Framer::new();
        let out = lines(&mut f, &[b"AT+CSQ\r\r\n+CSQ: 22,99\r\n\r\nOK\r\n"]);
        assert_eq!(out, vec!["AT+CSQ", "+CSQ: 22,99", "OK"]);
    }

    #[test]
    fn joins_lines_split_across_reads_byte_by_byte() {
        let mut f = Framer::new();
        let text = b"\r\n+COPS: 0,0,\"NTT DOCOMO\",7\r\n\r\nOK\r\n";
        let chunks: Vec<&[u8]> = text.chunks(1).collect();
        let out = lines(&mut f, &chunks);
        assert_eq!(out, vec!["+COPS: 0,0,\"NTT DOCOMO\",7", "OK"]);
        assert_eq!(f.partial(), "");
    }

    #[test]
    fn strips_garbage_and_non_utf8_bytes() {
        let mut f = Framer::new();
        let out = lines(
            &mut f,
            &[b"\r\n+CSQ: 22,99\r\n\x00\xff\xfe\x1b\x80\r\n\xc3\x07OK\r\n"],
        );
        assert_eq!(out, vec!["+CSQ: 22,99", "OK"]);
    }

    #[test]
    fn keeps_valid_non_ascii_text() {
        let mut f = Framer::new();
        let out = lines(&mut f, &["+COPS: 0,0,\"ドコモ\",7\r\n".as_bytes()]);
        assert_eq!(out, vec!["+COPS: 0,0,\"ドコモ\",7"]);
    }

    #[test]
    fn discards_over_long_lines_and_recovers_at_the_next_line() {
        let mut f = Framer::with_max_line(16);
        let long = vec![b'X'; 100];
        let out = lines(&mut f, &[b"OK\r\n", &long, &long, b"\r\n+CSQ: 1,99\r\n"]);
        assert_eq!(out, vec!["OK", "+CSQ: 1,99"]);
    }

    #[test]
    fn partial_line_is_visible_and_clearable() {
        let mut f = Framer::new();
        let out = lines(&mut f, &[b"\r\n> "]);
        assert!(out.is_empty());
        assert_eq!(f.partial(), ">");
        f.clear();
        assert_eq!(f.partial(), "");
    }
}
