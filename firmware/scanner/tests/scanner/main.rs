//! vrs-scanner's integration tests, in one binary (one link instead of one per file): bad
//! input never panics, the reader on synthetic ticket frames, and on a recorded sequence.

mod bad_input;
mod ticket_frames;
mod ticket_sequence;
