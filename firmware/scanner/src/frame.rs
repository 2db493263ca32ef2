//! 8-bit grayscale frames: what the camera hands the scanner.

/// Why a frame could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Zero width or height, or a size whose pixel count overflows.
    #[error("frame size {width}x{height} is not usable")]
    Size {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The stride is smaller than the width.
    #[error("stride {stride} is smaller than the width {width}")]
    Stride {
        /// Bytes per row.
        stride: usize,
        /// Width in pixels.
        width: u32,
    },
    /// Fewer bytes than width, height and stride need.
    #[error("frame needs {needed} bytes, got {got}")]
    Short {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
}

/// An owned 8-bit grayscale image, rows packed (stride == width).
#[derive(Clone, PartialEq, Eq)]
pub struct GrayFrame {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl std::fmt::Debug for GrayFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GrayFrame({}x{})", self.width, self.height)
    }
}

impl GrayFrame {
    /// Wraps packed pixels; `data.len()` must be `width * height`.
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Result<Self, FrameError> {
        let needed = pixel_count(width, height)?;
        if data.len() != needed {
            return Err(FrameError::Short {
                needed,
                got: data.len(),
            });
        }
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// Copies pixels from a buffer whose rows are `stride` bytes apart (a V4L2 plane, say).
    pub fn from_strided(
        width: u32,
        height: u32,
        stride: usize,
        bytes: &[u8],
    ) -> Result<Self, FrameError> {
        let count = pixel_count(width, height)?;
        let w = width as usize;
        if stride < w {
            return Err(FrameError::Stride { stride, width });
        }
        let needed = stride * (height as usize - 1) + w;
        if bytes.len() < needed {
            return Err(FrameError::Short {
                needed,
                got: bytes.len(),
            });
        }
        let mut data = Vec::with_capacity(count);
        for row in bytes.chunks(stride).take(height as usize) {
            data.extend_from_slice(&row[..w]);
        }
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// All pixels, row after row.
    pub fn pixels(&self) -> &[u8] {
        &self.data
    }

    /// One row.
    pub fn row(&self, y: u32) -> &[u8] {
        let w = self.width as usize;
        &self.data[y as usize * w..(y as usize + 1) * w]
    }

    /// Gives the pixels back.
    pub fn into_pixels(self) -> Vec<u8> {
        self.data
    }
}

fn pixel_count(width: u32, height: u32) -> Result<usize, FrameError> {
    (width as usize)
        .checked_mul(height as usize)
        .filter(|&n| n > 0 && width <= 16384 && height <= 16384)
        .ok_or(FrameError::Size { width, height })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_rows_are_packed() {
        let bytes = [1, 2, 9, 3, 4, 9, 5, 6];
        let f = GrayFrame::from_strided(2, 3, 3, &bytes).unwrap();
        assert_eq!(f.pixels(), &[1, 2, 3, 4, 5, 6]);
        assert_eq!(f.row(1), &[3, 4]);
    }

    #[test]
    fn bad_sizes_are_refused() {
        assert!(matches!(
            GrayFrame::new(0, 5, vec![]),
            Err(FrameError::Size { .. })
        ));
        assert!(matches!(
            GrayFrame::new(2, 2, vec![0; 3]),
            Err(FrameError::Short { needed: 4, got: 3 })
        ));
        assert!(matches!(
            GrayFrame::from_strided(4, 2, 3, &[0; 8]),
            Err(FrameError::Stride { .. })
        ));
        assert!(matches!(
            GrayFrame::from_strided(2, 2, 3, &[0; 4]),
            Err(FrameError::Short { needed: 5, got: 4 })
        ));
    }
}
