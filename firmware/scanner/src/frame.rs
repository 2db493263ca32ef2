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
    /// The gray value at continuous pixel-centre coordinates, interpolated bilinearly
    /// and clamped at the border.
    pub(crate) fn bilinear(&self, x: f32, y: f32) -> f32 {
        let (width, height) = (self.width as usize, self.height as usize);
        let x = x.clamp(0.0, (width - 1) as f32);
        let y = y.clamp(0.0, (height - 1) as f32);
        let (x0, y0) = (x as usize, y as usize);
        let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let p = |x: usize, y: usize| f32::from(self.data[y * width + x]);
        let top = p(x0, y0) + (p(x1, y0) - p(x0, y0)) * fx;
        let bottom = p(x0, y1) + (p(x1, y1) - p(x0, y1)) * fx;
        top + (bottom - top) * fy
    }

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
    fn bilinear_interpolates_between_pixel_centres_and_clamps() {
        // 0 10
        // 20 30
        let f = GrayFrame::new(2, 2, vec![0, 10, 20, 30]).unwrap();
        assert_eq!(f.bilinear(0.0, 0.0), 0.0);
        assert_eq!(f.bilinear(1.0, 1.0), 30.0);
        assert_eq!(f.bilinear(0.5, 0.0), 5.0);
        assert_eq!(f.bilinear(0.5, 0.5), 15.0);
        assert_eq!(f.bilinear(-4.0, 9.0), 20.0, "clamped to the corner");
        let one = GrayFrame::new(1, 1, vec![7]).unwrap();
        assert_eq!(one.bilinear(3.0, -2.0), 7.0);
    }

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
