//! The LTE modem over AT commands. (Being written.)
