//! Between polls: listening for URCs and serving operator requests until the next poll is
//! due (or a URC or a PIN asks for it sooner).

use std::sync::mpsc::TryRecvError;
use std::time::{Duration, Instant};

use super::Driver;
use crate::modem::Request;
use crate::modem::engine::EngineError;
use crate::modem::vendor::LinkFailure;

/// Longest wait between two looks at the requests and the stop flag.
const SLICE: Duration = Duration::from_millis(50);

impl Driver<'_> {
    /// Waits up to `wait` while listening for URCs and serving requests.
    pub(super) fn idle(&mut self, wait: Duration) {
        let deadline = Instant::now() + wait;
        loop {
            if self.shared.stopping() || self.poll_now {
                break;
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            let slice = (deadline - now).min(SLICE);
            if let Some(engine) = self.engine.as_mut() {
                match engine.listen(slice) {
                    Ok(()) => {
                        if engine.has_urcs() {
                            self.apply_urcs();
                            self.publish();
                        }
                    }
                    Err(EngineError::Io(e)) => {
                        self.on_link_failure(LinkFailure::Io(e));
                        self.publish();
                        break;
                    }
                    Err(_) => break,
                }
            } else {
                // Woken early by a request or by the owner stopping the thread.
                self.shared.sleep(slice);
            }
            match self.requests.try_recv() {
                Ok(request) => self.serve(request),
                // The owner holds the sender until the thread is joined: a closed channel
                // only ever comes with a stop request.
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => {}
            }
        }
        self.poll_now = false;
    }

    fn serve(&mut self, request: Request) {
        match request {
            Request::EnterPin { pin, reply } => {
                let result = self.operator_pin(&pin);
                self.publish();
                let _ = reply.send(result);
            }
        }
    }
}
