//! Camera pixel formats and their conversion to 8-bit gray.
//!
//! The scanner only needs luma. Packed YUV 4:2:2 and planar YUV 4:2:0 carry it directly
//! (every second byte, or the first plane), so those cost a copy; MJPEG is decoded.
//! Rows are read `stride` (V4L2 `bytesperline`) bytes apart, which may exceed the
//! visible width.

use vrs_scanner::{FrameError, GrayFrame};

/// A pixel format we can turn into gray, named by its V4L2 fourcc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// `GREY`: 8-bit luma only.
    Grey,
    /// `YUYV`: packed 4:2:2, Y first.
    Yuyv,
    /// `YVYU`: packed 4:2:2, Y first.
    Yvyu,
    /// `UYVY`: packed 4:2:2, chroma first.
    Uyvy,
    /// `VYUY`: packed 4:2:2, chroma first.
    Vyuy,
    /// `NV12`: Y plane, then interleaved CbCr at half resolution.
    Nv12,
    /// `NV21`: Y plane, then interleaved CrCb at half resolution.
    Nv21,
    /// `YU12` (I420): Y plane, then Cb and Cr planes.
    Yu12,
    /// `YV12`: Y plane, then Cr and Cb planes.
    Yv12,
    /// `MJPG`: motion JPEG, one JPEG image per buffer.
    Mjpeg,
    /// `JPEG`: still-image JPEG per buffer (some drivers' name for MJPEG).
    Jpeg,
}

/// Why a buffer could not be turned into a gray frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// The size or stride is not usable, or the buffer is too short for them.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A packed format's stride is smaller than two bytes per pixel.
    #[error("stride {stride} is too small for {width} packed YUV pixels")]
    Stride {
        /// Bytes per row.
        stride: usize,
        /// Width in pixels.
        width: u32,
    },
    /// The buffer holds fewer bytes than the format needs.
    #[error("buffer holds {got} bytes, the format needs {needed}")]
    Short {
        /// Bytes needed.
        needed: usize,
        /// Bytes present.
        got: usize,
    },
    /// The compressed image could not be decoded.
    #[error("cannot decode the compressed frame: {0}")]
    Decode(String),
}

impl PixelFormat {
    /// Every format we can convert, in the order we prefer it when a driver offers several
    /// (cheapest conversion first; MJPEG last because decoding costs milliseconds).
    pub const ALL: [PixelFormat; 11] = [
        PixelFormat::Grey,
        PixelFormat::Yuyv,
        PixelFormat::Yvyu,
        PixelFormat::Uyvy,
        PixelFormat::Vyuy,
        PixelFormat::Nv12,
        PixelFormat::Nv21,
        PixelFormat::Yu12,
        PixelFormat::Yv12,
        PixelFormat::Mjpeg,
        PixelFormat::Jpeg,
    ];

    /// The V4L2 fourcc bytes.
    pub fn fourcc(self) -> [u8; 4] {
        match self {
            Self::Grey => *b"GREY",
            Self::Yuyv => *b"YUYV",
            Self::Yvyu => *b"YVYU",
            Self::Uyvy => *b"UYVY",
            Self::Vyuy => *b"VYUY",
            Self::Nv12 => *b"NV12",
            Self::Nv21 => *b"NV21",
            Self::Yu12 => *b"YU12",
            Self::Yv12 => *b"YV12",
            Self::Mjpeg => *b"MJPG",
            Self::Jpeg => *b"JPEG",
        }
    }

    /// The format with these fourcc bytes, if we can convert it.
    pub fn from_fourcc(fourcc: [u8; 4]) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.fourcc() == fourcc)
    }

    /// The fourcc as text, e.g. `"YUYV"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Grey => "GREY",
            Self::Yuyv => "YUYV",
            Self::Yvyu => "YVYU",
            Self::Uyvy => "UYVY",
            Self::Vyuy => "VYUY",
            Self::Nv12 => "NV12",
            Self::Nv21 => "NV21",
            Self::Yu12 => "YU12",
            Self::Yv12 => "YV12",
            Self::Mjpeg => "MJPG",
            Self::Jpeg => "JPEG",
        }
    }

    /// True for formats whose buffers hold a compressed image of varying length.
    pub fn is_compressed(self) -> bool {
        matches!(self, Self::Mjpeg | Self::Jpeg)
    }

    /// Turns one buffer into a gray frame.
    ///
    /// `stride` is the driver's `bytesperline` (for planar formats: of the Y plane;
    /// ignored for compressed formats); `bytes` is the used part of the buffer. A JPEG
    /// keeps the size it was encoded with, even if it differs from `width`×`height`.
    pub fn to_gray(
        self,
        width: u32,
        height: u32,
        stride: usize,
        bytes: &[u8],
    ) -> Result<GrayFrame, ConvertError> {
        match self {
            Self::Grey | Self::Nv12 | Self::Nv21 | Self::Yu12 | Self::Yv12 => {
                // Planar formats start with a full-resolution Y plane.
                Ok(GrayFrame::from_strided(
                    width,
                    height,
                    stride.max(width as usize),
                    bytes,
                )?)
            }
            Self::Yuyv | Self::Yvyu => packed_luma(width, height, stride, bytes, 0),
            Self::Uyvy | Self::Vyuy => packed_luma(width, height, stride, bytes, 1),
            Self::Mjpeg | Self::Jpeg => decode_jpeg(bytes),
        }
    }
}

impl std::fmt::Display for PixelFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Stretches studio-range luma (16 = black, 235 = white, as most YUV cameras send it)
/// to full range (0..=255), so that thresholds mean the same whatever format the
/// driver chose.
pub fn expand_studio_range(pixels: &mut [u8]) {
    let lut: [u8; 256] = std::array::from_fn(|y| {
        let v = (y as i32 - 16) * 255 / 219;
        v.clamp(0, 255) as u8
    });
    for p in pixels {
        *p = lut[*p as usize];
    }
}

/// Takes every second byte (starting at `offset`) of packed 4:2:2 rows.
fn packed_luma(
    width: u32,
    height: u32,
    stride: usize,
    bytes: &[u8],
    offset: usize,
) -> Result<GrayFrame, ConvertError> {
    let w = width as usize;
    let h = height as usize;
    let stride = if stride == 0 { 2 * w } else { stride };
    if stride < 2 * w {
        return Err(ConvertError::Stride { stride, width });
    }
    if w == 0 || h == 0 {
        return Err(FrameError::Size { width, height }.into());
    }
    let needed = stride * (h - 1) + 2 * w;
    if bytes.len() < needed {
        return Err(ConvertError::Short {
            needed,
            got: bytes.len(),
        });
    }
    let mut data = Vec::with_capacity(w * h);
    for row in bytes.chunks(stride).take(h) {
        data.extend(row[..2 * w].iter().skip(offset).step_by(2));
    }
    Ok(GrayFrame::new(width, height, data)?)
}

fn decode_jpeg(bytes: &[u8]) -> Result<GrayFrame, ConvertError> {
    if bytes.is_empty() {
        return Err(ConvertError::Decode("empty buffer".into()));
    }
    let image = image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .map_err(|e| ConvertError::Decode(e.to_string()))?;
    let gray = image.into_luma8();
    let (w, h) = gray.dimensions();
    Ok(GrayFrame::new(w, h, gray.into_raw())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourccs_round_trip() {
        for f in PixelFormat::ALL {
            assert_eq!(PixelFormat::from_fourcc(f.fourcc()), Some(f));
            assert_eq!(f.name().as_bytes(), f.fourcc());
        }
        assert_eq!(PixelFormat::from_fourcc(*b"RGB3"), None);
    }

    #[test]
    fn yuyv_takes_luma_and_honours_stride() {
        // 2x2 pixels, stride 6 (2 bytes of padding per row).
        let bytes = [10, 200, 11, 201, 0xEE, 0xEE, 12, 202, 13, 203, 0xEE, 0xEE];
        let f = PixelFormat::Yuyv.to_gray(2, 2, 6, &bytes).unwrap();
        assert_eq!(f.pixels(), &[10, 11, 12, 13]);
        let u = PixelFormat::Uyvy.to_gray(2, 2, 6, &bytes).unwrap();
        assert_eq!(u.pixels(), &[200, 201, 202, 203]);
    }

    #[test]
    fn packed_rejects_short_and_narrow_buffers() {
        assert!(matches!(
            PixelFormat::Yuyv.to_gray(4, 2, 8, &[0; 12]),
            Err(ConvertError::Short {
                needed: 16,
                got: 12
            })
        ));
        assert!(matches!(
            PixelFormat::Yuyv.to_gray(4, 2, 6, &[0; 64]),
            Err(ConvertError::Stride {
                stride: 6,
                width: 4
            })
        ));
    }

    #[test]
    fn planar_formats_use_the_y_plane() {
        // 2x2 NV12 with stride 3: Y rows then CbCr.
        let bytes = [1, 2, 0xEE, 3, 4, 0xEE, 128, 128, 0xEE];
        let f = PixelFormat::Nv12.to_gray(2, 2, 3, &bytes).unwrap();
        assert_eq!(f.pixels(), &[1, 2, 3, 4]);
    }

    #[test]
    fn studio_range_is_stretched_to_full_range() {
        let mut px = [0, 16, 126, 235, 255];
        expand_studio_range(&mut px);
        assert_eq!(px, [0, 0, 128, 255, 255]);
    }

    #[test]
    fn garbage_jpeg_is_a_decode_error() {
        assert!(matches!(
            PixelFormat::Mjpeg.to_gray(2, 2, 0, &[0xFF, 0xD8, 0x00, 0x01]),
            Err(ConvertError::Decode(_))
        ));
        assert!(matches!(
            PixelFormat::Mjpeg.to_gray(2, 2, 0, &[]),
            Err(ConvertError::Decode(_))
        ));
    }
}
