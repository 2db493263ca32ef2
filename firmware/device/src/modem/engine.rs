//! The AT command engine: one command at a time, per-command timeouts, final result codes,
//! URCs routed apart.

use std::collections::VecDeque;
use std::io;
use std::time::{Duration, Instant};

use super::framer::Framer;
use super::parse::{self, CmeError};
use super::port::{Port, READ_SLICE};
use crate::worker::Shared;

/// The information lines of a successful command (echo and final `OK` removed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// Information lines in order.
    pub lines: Vec<String>,
}

impl Response {
    /// The first line that `parse` accepts.
    pub fn find<T>(&self, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        self.lines.iter().find_map(|l| parse(l))
    }
}

/// How a command failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The port failed (device gone): close it and reopen.
    #[error("serial I/O failed: {0}")]
    Io(#[from] io::Error),
    /// No final result code within the command's timeout.
    #[error("{command}: no answer within {timeout:?}")]
    Timeout {
        /// The command (redacted).
        command: String,
        /// Its timeout.
        timeout: Duration,
    },
    /// Plain `ERROR`.
    #[error("{command}: ERROR")]
    Error {
        /// The command (redacted).
        command: String,
    },
    /// `+CME ERROR`.
    #[error("{command}: +CME ERROR: {error}")]
    Cme {
        /// The command (redacted).
        command: String,
        /// The error.
        error: CmeError,
    },
    /// `+CMS ERROR`.
    #[error("{command}: +CMS ERROR: {error}")]
    Cms {
        /// The command (redacted).
        command: String,
        /// The error text or code.
        error: String,
    },
    /// Another final result (`NO CARRIER`, `BUSY`, ...).
    #[error("{command}: {result}")]
    Other {
        /// The command (redacted).
        command: String,
        /// The final result code.
        result: String,
    },
    /// The engine was asked to stop.
    #[error("stopping")]
    Aborted,
}

impl EngineError {
    /// The `+CME ERROR`, if that is what this is.
    pub fn cme(&self) -> Option<&CmeError> {
        match self {
            EngineError::Cme { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// A final result code.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Final {
    Ok,
    Error,
    Cme(CmeError),
    Cms(String),
    Other(String),
}

fn final_result(line: &str) -> Option<Final> {
    if line.eq_ignore_ascii_case("OK") {
        return Some(Final::Ok);
    }
    if line.eq_ignore_ascii_case("ERROR") {
        return Some(Final::Error);
    }
    if let Some(rest) = parse::payload(line, "+CME ERROR:") {
        return Some(Final::Cme(CmeError::parse(rest)));
    }
    if let Some(rest) = parse::payload(line, "+CMS ERROR:") {
        return Some(Final::Cms(rest.to_string()));
    }
    ["NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE"]
        .iter()
        .find(|r| line.eq_ignore_ascii_case(r))
        .map(|r| Final::Other((*r).to_string()))
}

/// Unsolicited result codes recognised by their prefix or as a whole line.
#[derive(Debug, Clone, Copy)]
pub struct UrcSet {
    /// Line prefixes, colon included (`+CEREG:`).
    pub prefixes: &'static [&'static str],
    /// Whole lines (`RING`).
    pub lines: &'static [&'static str],
}

impl UrcSet {
    /// The 3GPP TS 27.007 URCs.
    pub const GENERIC: UrcSet = UrcSet {
        prefixes: &[
            "+CEREG:", "+CREG:", "+CGREG:", "+CPIN:", "+CTZV:", "+CTZE:", "+CGEV:", "+CMTI:",
            "+CRING:",
        ],
        lines: &["RING"],
    };

    fn prefix_of(&self, line: &str) -> Option<&'static str> {
        self.prefixes
            .iter()
            .find(|p| parse::payload(line, p).is_some())
            .copied()
    }

    fn is_line(&self, line: &str) -> bool {
        self.lines.iter().any(|u| line.eq_ignore_ascii_case(u))
    }
}

/// The command's name for prefix ownership: `AT+CEREG?` → `+CEREG`.
fn command_name(command: &str) -> &str {
    let body = command.get(2..).unwrap_or("");
    let end = body.find(['=', '?']).unwrap_or(body.len());
    &body[..end]
}

/// Whether `line`, seen while `command` is pending (or `None`), is unsolicited: a 3GPP URC
/// or one of `vendor`'s.
pub fn is_urc(line: &str, command: Option<&str>, vendor: &UrcSet) -> bool {
    if UrcSet::GENERIC.is_line(line) || vendor.is_line(line) {
        return true;
    }
    let Some(prefix) = UrcSet::GENERIC
        .prefix_of(line)
        .or_else(|| vendor.prefix_of(line))
    else {
        // Unknown lines belong to the pending command; with none pending they are URCs.
        return command.is_none();
    };
    let Some(command) = command else {
        return true;
    };
    let owned = command_name(command).eq_ignore_ascii_case(&prefix[..prefix.len() - 1]);
    if !owned {
        return true;
    }
    if prefix.eq_ignore_ascii_case("+CEREG:") {
        // The query response has `<n>` first; the URC lacks it.
        return !parse::cereg_is_response(line);
    }
    false
}

/// Hides secrets (the PIN) when a command is logged or reported.
pub fn redact(command: &str) -> String {
    let upper = command.to_ascii_uppercase();
    if upper.starts_with("AT+CPIN=")
        || upper.starts_with("AT+CPWD=")
        || upper.starts_with("AT+CLCK=")
    {
        format!(
            "{}=<redacted>",
            &command[..command.find('=').unwrap_or(command.len())]
        )
    } else {
        command.to_string()
    }
}

/// Tells an engine that waits to give up.
pub trait Abort {
    /// Whether to give up now.
    fn aborted(&self) -> bool;
}

/// A worker's engine gives up once its thread is asked to stop.
impl<S> Abort for Shared<S> {
    fn aborted(&self) -> bool {
        self.stopping()
    }
}

/// Runs AT commands over a [`Port`], one at a time.
pub struct Engine<'a> {
    port: Port,
    framer: Framer,
    /// Lines framed but not consumed yet.
    backlog: VecDeque<String>,
    /// URCs collected while waiting, for the caller to take.
    urcs: Vec<String>,
    /// The vendor's URCs, recognised besides the 3GPP ones.
    vendor_urcs: &'static UrcSet,
    abort: Option<&'a dyn Abort>,
}

impl std::fmt::Debug for Engine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("port", &self.port)
            .field("backlog", &self.backlog)
            .field("urcs", &self.urcs)
            .finish_non_exhaustive()
    }
}

impl<'a> Engine<'a> {
    /// Wraps an open port of a modem whose own URCs are `vendor_urcs`.
    pub fn new(port: Port, vendor_urcs: &'static UrcSet) -> Self {
        Engine {
            port,
            framer: Framer::new(),
            backlog: VecDeque::new(),
            urcs: Vec::new(),
            vendor_urcs,
            abort: None,
        }
    }

    /// Makes every wait return [`EngineError::Aborted`] once `abort` says so.
    pub fn with_abort(mut self, abort: &'a dyn Abort) -> Self {
        self.abort = Some(abort);
        self
    }

    /// The port's device path.
    pub fn path(&self) -> &std::path::Path {
        self.port.path()
    }

    fn aborted(&self) -> bool {
        self.abort.is_some_and(|a| a.aborted())
    }

    /// Reads one slice of input into the backlog. Silence is not an error.
    fn fill(&mut self) -> Result<(), EngineError> {
        let mut buf = [0u8; 512];
        let n = self.port.read(&mut buf)?;
        if n > 0 {
            let mut lines = Vec::new();
            self.framer.push(&buf[..n], &mut lines);
            self.backlog.extend(lines);
        }
        Ok(())
    }

    /// Sends `command` (without CR) and waits up to `timeout` for its final result code.
    pub fn run(&mut self, command: &str, timeout: Duration) -> Result<Response, EngineError> {
        // Anything still queued arrived before this command: it is unsolicited.
        while let Some(line) = self.backlog.pop_front() {
            self.unsolicited(line);
        }
        let shown = redact(command);
        log::trace!("modem > {shown}");
        self.port.set_timeout(timeout.max(READ_SLICE))?;
        let written = self.port.write_all(format!("{command}\r").as_bytes());
        self.port.set_timeout(READ_SLICE)?;
        match written {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                return Err(EngineError::Timeout {
                    command: shown,
                    timeout,
                });
            }
            Err(e) => return Err(e.into()),
        }
        let deadline = Instant::now() + timeout;
        let mut response = Response::default();
        loop {
            while let Some(line) = self.backlog.pop_front() {
                if line.eq_ignore_ascii_case(command) {
                    continue; // echo
                }
                if let Some(result) = final_result(&line) {
                    log::trace!("modem < {line}");
                    return match result {
                        Final::Ok => Ok(response),
                        Final::Error => Err(EngineError::Error { command: shown }),
                        Final::Cme(error) => Err(EngineError::Cme {
                            command: shown,
                            error,
                        }),
                        Final::Cms(error) => Err(EngineError::Cms {
                            command: shown,
                            error,
                        }),
                        Final::Other(result) => Err(EngineError::Other {
                            command: shown,
                            result,
                        }),
                    };
                }
                if is_urc(&line, Some(command), self.vendor_urcs) {
                    self.unsolicited(line);
                } else {
                    log::trace!("modem < {line}");
                    response.lines.push(line);
                }
            }
            if self.aborted() {
                return Err(EngineError::Aborted);
            }
            if Instant::now() >= deadline {
                return Err(EngineError::Timeout {
                    command: shown,
                    timeout,
                });
            }
            self.fill()?;
        }
    }

    fn unsolicited(&mut self, line: String) {
        if final_result(&line).is_some() {
            // A late answer to a command that already timed out.
            log::debug!("modem: discarding stray {line:?}");
        } else if is_urc(&line, None, self.vendor_urcs) {
            log::debug!("modem URC: {line}");
            self.urcs.push(line);
        }
    }

    /// Waits up to `wait` for input, collecting URCs.
    pub fn listen(&mut self, wait: Duration) -> Result<(), EngineError> {
        let deadline = Instant::now() + wait;
        loop {
            while let Some(line) = self.backlog.pop_front() {
                self.unsolicited(line);
            }
            if self.aborted() {
                return Err(EngineError::Aborted);
            }
            if Instant::now() >= deadline {
                return Ok(());
            }
            self.fill()?;
        }
    }

    /// Reads and throws away input until the line has been quiet for `quiet` (bounded by
    /// ten times `quiet`), e.g. after a timeout so a late answer cannot be taken for the
    /// next command's.
    pub fn drain(&mut self, quiet: Duration) -> Result<(), EngineError> {
        let hard_deadline = Instant::now() + quiet * 10;
        let mut quiet_since = Instant::now();
        loop {
            let before = self.backlog.len();
            self.fill()?;
            if self.backlog.len() != before {
                quiet_since = Instant::now();
            }
            while let Some(line) = self.backlog.pop_front() {
                self.unsolicited(line);
            }
            let now = Instant::now();
            if now.duration_since(quiet_since) >= quiet || now >= hard_deadline || self.aborted() {
                self.framer.clear();
                return Ok(());
            }
        }
    }

    /// Whether URCs are waiting to be taken.
    pub fn has_urcs(&self) -> bool {
        !self.urcs.is_empty()
    }

    /// Takes the URCs collected so far.
    pub fn take_urcs(&mut self) -> Vec<String> {
        std::mem::take(&mut self.urcs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modem::quectel;
    use std::io::{Read, Write};
    use std::path::PathBuf;
    use std::sync::mpsc;

    use serialport::{SerialPort, TTYPort};

    /// Reads from the pty master until a CR; returns the command.
    fn read_command(peer: &mut TTYPort) -> String {
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        loop {
            match peer.read(&mut b) {
                Ok(1) if b[0] == b'\r' => return String::from_utf8_lossy(&line).into_owned(),
                Ok(1) => line.push(b[0]),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
                Err(e) => panic!("peer read: {e}"),
            }
        }
    }

    #[test]
    fn echo_urcs_timeouts_and_stale_answers_over_a_real_pty() {
        let (mut peer, slave) = TTYPort::pair().unwrap();
        peer.set_timeout(Duration::from_secs(30)).unwrap();
        let path = PathBuf::from(slave.name().unwrap());
        let mut engine = Engine::new(Port::open(&path).unwrap(), &quectel::URCS);
        let (late_tx, late_rx) = mpsc::channel::<()>();
        let script = std::thread::spawn(move || {
            // Echo, a URC before and one inside the response, then the answer.
            assert_eq!(read_command(&mut peer), "AT+CEREG?");
            peer.write_all(b"AT+CEREG?\r\r\n+CEREG: 5,\"1A2B\",\"01A2B3C4\",7\r\n")
                .unwrap();
            peer.write_all(b"\r\n+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",7\r\n\r\nRDY\r\n\r\nOK\r\n")
                .unwrap();
            // Never answered in time ...
            assert_eq!(read_command(&mut peer), "AT+CGSN");
            late_rx.recv().unwrap();
            // ... the answer comes late, followed by a marker URC.
            peer.write_all(b"\r\n866758041234564\r\n\r\nOK\r\n\r\n+QIND: \"marker\"\r\n")
                .unwrap();
            assert_eq!(read_command(&mut peer), "AT+CSQ");
            peer.write_all(b"\r\n+CSQ: 22,99\r\n\r\nOK\r\n").unwrap();
            peer
        });

        let r = engine.run("AT+CEREG?", Duration::from_secs(30)).unwrap();
        assert_eq!(r.lines, vec!["+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",7"]);
        assert_eq!(
            engine.take_urcs(),
            vec!["+CEREG: 5,\"1A2B\",\"01A2B3C4\",7", "RDY"]
        );

        let err = engine
            .run("AT+CGSN", Duration::from_millis(200))
            .unwrap_err();
        assert!(matches!(err, EngineError::Timeout { .. }), "{err}");
        late_tx.send(()).unwrap();
        while !engine.take_urcs().iter().any(|u| u.contains("marker")) {
            engine.listen(Duration::from_millis(100)).unwrap();
        }
        // The stale OK was dropped: the next command gets its own answer.
        let r = engine.run("AT+CSQ", Duration::from_secs(30)).unwrap();
        assert_eq!(r.lines, vec!["+CSQ: 22,99"]);

        // The peer hangs up: the engine reports an I/O error, not silence.
        drop(script.join().unwrap());
        drop(slave);
        let err = engine.listen(Duration::from_secs(30)).unwrap_err();
        assert!(matches!(err, EngineError::Io(_)), "{err}");
    }

    #[test]
    fn urc_routing_by_prefix_ownership_and_form() {
        let q = &quectel::URCS;
        assert!(is_urc("RDY", Some("AT+CSQ"), q));
        assert!(is_urc(
            "+CEREG: 1,\"1A2B\",\"01A2B3C4\",7",
            Some("AT+CSQ"),
            q
        ));
        assert!(is_urc(
            "+CEREG: 1,\"1A2B\",\"01A2B3C4\",7",
            Some("AT+CEREG?"),
            q
        ));
        assert!(!is_urc(
            "+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",7",
            Some("AT+CEREG?"),
            q
        ));
        assert!(!is_urc("+CPIN: READY", Some("AT+CPIN?"), q));
        assert!(is_urc("+CPIN: READY", Some("AT+CSQ"), q));
        assert!(!is_urc("866758041234564", Some("AT+CGSN"), q));
        assert!(is_urc("something", None, q));
        assert!(!is_urc("+CSQ: 22,99", Some("AT+CSQ"), q));
    }

    #[test]
    fn vendor_urcs_are_urcs_only_for_that_vendor() {
        let none = UrcSet {
            prefixes: &[],
            lines: &[],
        };
        assert!(is_urc(
            "+QIND: \"csq\",20,99",
            Some("AT+CSQ"),
            &quectel::URCS
        ));
        assert!(!is_urc("+QIND: \"csq\",20,99", Some("AT+CSQ"), &none));
        assert!(!is_urc("RDY", Some("AT+CSQ"), &none));
        assert!(is_urc("RING", Some("AT+CSQ"), &none), "RING is 3GPP");
    }

    #[test]
    fn final_results() {
        assert_eq!(final_result("OK"), Some(Final::Ok));
        assert_eq!(final_result("ERROR"), Some(Final::Error));
        assert!(matches!(final_result("+CME ERROR: 10"), Some(Final::Cme(e)) if e.is(10)));
        assert!(matches!(final_result("+CME ERROR: SIM busy"), Some(Final::Cme(e)) if e.is(14)));
        assert_eq!(
            final_result("+CMS ERROR: 500"),
            Some(Final::Cms("500".into()))
        );
        assert_eq!(
            final_result("NO CARRIER"),
            Some(Final::Other("NO CARRIER".into()))
        );
        assert_eq!(final_result("+CSQ: 1,1"), None);
    }

    #[test]
    fn pin_is_redacted() {
        assert_eq!(redact("AT+CPIN=\"1234\""), "AT+CPIN=<redacted>");
        assert_eq!(redact("AT+CPIN?"), "AT+CPIN?");
        assert_eq!(command_name("AT+CEREG?"), "+CEREG");
        assert_eq!(command_name("AT+CGDCONT=1,\"IP\",\"x\""), "+CGDCONT");
        assert_eq!(command_name("AT"), "");
    }
}
