//! vrs-ticket-gen's integration tests, in one binary: the command line writes what the
//! README promises (`cli`), and the images carry what they claim (`decode`).

mod cli;
mod decode;
