//! Camera frame sources. (Being written.)
