//! The simulator thread: reads command bytes from the pty master, plays faults, writes answers.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::at::{After, AtModem, Reply};
use crate::pty::{Pty, place_link, remove_link};
use crate::{Fault, Shared, SimConfig, SimError};

/// Longest command line the simulated modem accepts; longer lines are dropped.
const MAX_COMMAND: usize = 1024;
/// Line noise for [`Fault::Garbage`]: control bytes and bytes that are not UTF-8.
const GARBAGE: &[u8] = &[0x00, 0xFF, 0xFE, 0x1B, 0x80, 0xC3, 0x07, 0x7F, 0x00];

pub(crate) struct Runner {
    config: SimConfig,
    shared: Arc<Shared>,
    modem: AtModem,
    pty: Pty,
    line: Vec<u8>,
    discarding: bool,
    applied: Fault,
    enumeration: u32,
    current_dev_link: Option<PathBuf>,
}

impl Runner {
    pub(crate) fn new(config: SimConfig, pty: Pty, shared: Arc<Shared>) -> Result<Self, SimError> {
        let mut modem = AtModem::new(config.clone(), Instant::now());
        modem.apply_fault(config.fault);
        let mut runner = Runner {
            modem,
            pty,
            shared,
            line: Vec::new(),
            discarding: false,
            applied: config.fault,
            enumeration: 1,
            current_dev_link: None,
            config,
        };
        runner
            .publish_links()
            .map_err(|(path, source)| SimError::Link { path, source })?;
        Ok(runner)
    }

    fn wedged(&self) -> bool {
        self.applied == Fault::Wedged
    }

    pub(crate) fn run(mut self) {
        let mut buf = [0u8; 256];
        while !self.shared.stop.load(Ordering::SeqCst) {
            self.control();
            let now = Instant::now();
            if !self.wedged() {
                for urc in self.modem.tick(now) {
                    self.write_urc(&urc);
                }
            }
            match self.pty.master.read(&mut buf) {
                Ok(0) => std::thread::sleep(Duration::from_millis(20)),
                Ok(n) => {
                    let bytes = buf[..n].to_vec();
                    self.input(&bytes);
                }
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    log::debug!("modem-sim: read: {e}");
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
        self.remove_links();
    }

    /// Applies requests from the handle: fault changes and power cycles.
    fn control(&mut self) {
        let (fault, power) = {
            let mut c = self.shared.lock();
            (c.fault, std::mem::take(&mut c.power_cycle_requested))
        };
        if power {
            self.power_cycle();
            return;
        }
        if fault == self.applied {
            return;
        }
        if self.applied == Fault::Wedged && fault != Fault::Wedged {
            // Only a power cycle revives a wedged modem.
            self.shared.lock().fault = Fault::Wedged;
            return;
        }
        log::info!("modem-sim: fault {} -> {}", self.applied, fault);
        self.applied = fault;
        self.modem.apply_fault(fault);
        if fault == Fault::Reenumerate {
            self.reenumerate();
            self.finish_one_shot(Fault::Reenumerate);
        }
    }

    fn finish_one_shot(&mut self, fault: Fault) {
        let mut c = self.shared.lock();
        if c.fault == fault {
            c.fault = Fault::None;
        }
        drop(c);
        self.applied = Fault::None;
    }

    fn input(&mut self, bytes: &[u8]) {
        let now = Instant::now();
        if !self.modem.is_ready(now) {
            // Still booting: the bytes are lost, like on a real modem.
            return;
        }
        if self.modem.echo && !self.wedged() {
            self.write_raw(bytes, false);
        }
        for &b in bytes {
            match b {
                b'\r' | b'\n' => {
                    if self.discarding {
                        self.discarding = false;
                        self.line.clear();
                        continue;
                    }
                    if self.line.is_empty() {
                        continue;
                    }
                    let line = String::from_utf8_lossy(&self.line).into_owned();
                    self.line.clear();
                    self.command(&line);
                }
                _ if self.discarding => {}
                _ if self.line.len() >= MAX_COMMAND => {
                    self.discarding = true;
                    self.line.clear();
                }
                _ => self.line.push(b),
            }
        }
    }

    fn command(&mut self, line: &str) {
        self.shared.lock().commands.push(line.to_string());
        if self.wedged() {
            self.shared.lock().stats.ignored += 1;
            return;
        }
        if self.applied == Fault::HangOnce {
            log::info!("modem-sim: leaving {line:?} unanswered");
            self.shared.lock().stats.ignored += 1;
            self.finish_one_shot(Fault::HangOnce);
            return;
        }
        let reply = self.modem.handle(line, Instant::now());
        self.write_reply(&reply);
        if reply.after == After::Reset {
            self.reset();
        }
    }

    /// Writes a response in V1 format with the active line fault applied.
    fn write_reply(&mut self, reply: &Reply) {
        let mut segments: Vec<Vec<u8>> = reply
            .lines
            .iter()
            .map(|l| format!("\r\n{l}\r\n").into_bytes())
            .collect();
        if self.applied == Fault::UrcInResponse {
            let urc = format!("\r\n{}\r\n", self.modem.interleaved_urc(Instant::now()));
            let at = usize::from(!segments.is_empty());
            segments.insert(at, urc.into_bytes());
        }
        let mut final_segment = b"\r\n".to_vec();
        if self.applied == Fault::Garbage {
            // Noise glued to the start of the final result code.
            final_segment.extend_from_slice(GARBAGE);
        }
        final_segment.extend_from_slice(format!("{}\r\n", reply.result).as_bytes());
        segments.push(final_segment);
        let mut out = Vec::new();
        for (i, s) in segments.iter().enumerate() {
            if self.applied == Fault::Garbage && i > 0 {
                // Noise between lines, on a line of its own.
                out.extend_from_slice(GARBAGE);
            }
            out.extend_from_slice(s);
        }
        self.write_raw(&out, self.applied == Fault::ByteAtATime);
    }

    fn write_urc(&mut self, urc: &str) {
        let bytes = format!("\r\n{urc}\r\n").into_bytes();
        self.write_raw(&bytes, self.applied == Fault::ByteAtATime);
    }

    fn write_raw(&mut self, bytes: &[u8], one_at_a_time: bool) {
        let result = if one_at_a_time {
            bytes.iter().try_for_each(|b| {
                self.pty.master.write_all(std::slice::from_ref(b))?;
                std::thread::sleep(Duration::from_millis(1));
                Ok(())
            })
        } else {
            self.pty.master.write_all(bytes)
        };
        if let Err(e) = result {
            log::debug!("modem-sim: write: {e}");
        }
    }

    /// `AT+CFUN=1,1`: the OK is out; reboot (and re-enumerate USB, like an EC25).
    fn reset(&mut self) {
        log::info!("modem-sim: reset");
        self.shared.lock().stats.resets += 1;
        if self.config.reenumerate_on_reset {
            self.reenumerate();
        }
        self.modem.boot(Instant::now());
    }

    fn power_cycle(&mut self) {
        log::info!("modem-sim: power cycle");
        {
            let mut c = self.shared.lock();
            c.stats.power_cycles += 1;
            if matches!(
                c.fault,
                Fault::Wedged | Fault::HangOnce | Fault::Reenumerate
            ) {
                c.fault = Fault::None;
            }
        }
        if matches!(
            self.applied,
            Fault::Wedged | Fault::HangOnce | Fault::Reenumerate
        ) {
            self.applied = Fault::None;
        }
        self.reenumerate();
        self.modem.boot(Instant::now());
    }

    /// The old pty closes (its user reads a hang-up) and, after a gap, a new one appears
    /// under a new path.
    fn reenumerate(&mut self) {
        self.remove_links();
        // Open the new pty before closing the old one so that it gets another number.
        let new = match Pty::open() {
            Ok(p) => p,
            Err(e) => {
                log::error!("modem-sim: cannot create a new pty: {e}");
                return;
            }
        };
        let old = std::mem::replace(&mut self.pty, new);
        drop(old);
        self.line.clear();
        self.discarding = false;
        std::thread::sleep(self.config.reenumeration_gap);
        self.enumeration += 1;
        {
            let mut c = self.shared.lock();
            c.path = self.pty.path.clone();
            c.stats.enumerations = self.enumeration;
        }
        if let Err((path, e)) = self.publish_links() {
            log::error!("modem-sim: cannot create link {}: {e}", path.display());
        }
        log::info!("modem-sim: re-enumerated as {}", self.pty.path.display());
    }

    fn publish_links(&mut self) -> Result<(), (PathBuf, io::Error)> {
        if let Some(link) = &self.config.link {
            place_link(&self.pty.path, link).map_err(|e| (link.clone(), e))?;
        }
        if let Some(dir) = &self.config.enumeration_dir {
            let link = dir.join(format!("ttyUSB{}", self.enumeration + 1));
            place_link(&self.pty.path, &link).map_err(|e| (link.clone(), e))?;
            self.current_dev_link = Some(link);
        }
        Ok(())
    }

    fn remove_links(&mut self) {
        if let Some(link) = &self.config.link {
            remove_link(link);
        }
        if let Some(link) = self.current_dev_link.take() {
            remove_link(&link);
        }
    }
}
