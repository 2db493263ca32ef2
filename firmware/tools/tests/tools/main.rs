//! The operator tools run as programs, as an operator or a script runs them: their
//! command lines, their JSON output and their Japanese advice when something is missing.

mod camera;
mod modem;
mod scan;
