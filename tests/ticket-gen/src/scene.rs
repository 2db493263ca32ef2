//! How a ticket is photographed: pose, optics, light, occluders and background.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::geometry::{Camera, Surface};
use crate::spec::Symbol;

/// Difficulty of generated frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Held flat under the camera: ±10°, ticket 40–80 % of the frame width, 1280×720,
    /// little blur and noise.
    Easy,
    /// Any rotation, tilt ≤ 15°, 30–70 % of the width, moderate blur and noise, JPEG
    /// 70–90, uneven light, 640×480 … 1920×1080.
    Medium,
    /// Tilt up to 30°, 20–50 % of the width, defocus and motion blur, noise, JPEG 40–70,
    /// shadow, glare, curl or fold, a finger over one symbol, cluttered background.
    Hard,
}

impl Tier {
    /// Lower-case name (`easy`, `medium`, `hard`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Easy => "easy",
            Self::Medium => "medium",
            Self::Hard => "hard",
        }
    }
}

impl std::str::FromStr for Tier {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "easy" => Ok(Self::Easy),
            "medium" => Ok(Self::Medium),
            "hard" => Ok(Self::Hard),
            other => Err(format!(
                "難易度「{other}」はありません(easy / medium / hard)"
            )),
        }
    }
}

/// A shadow edge across the frame (e.g. of the operator's hand or the tablet).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Shadow {
    /// A point on the shadow edge, as fractions of frame width and height.
    pub point: (f32, f32),
    /// Direction into the shadow, degrees from the +x axis (y down).
    pub angle_deg: f32,
    /// Share of the light removed in the shadow (0–1).
    pub depth: f32,
    /// Width of the soft edge, as a share of the frame width.
    pub softness: f32,
}

/// A specular highlight (glossy paper or a lamp reflected in it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Glare {
    /// Centre, as fractions of frame width and height.
    pub center: (f32, f32),
    /// Radius (1/e) as a share of the frame width.
    pub radius: f32,
    /// Added radiance at the centre; 1 alone saturates white.
    pub strength: f32,
}

/// The sheet bent around an axis parallel to its short side.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Curl {
    /// Height of the short edges above the centre, as a share of the ticket width
    /// (0.03 ≈ 2 mm).
    pub lift: f32,
}

/// A crease with the part beyond it lifted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fold {
    /// Where the crease crosses the ticket's horizontal centre line, 0–1 of the width.
    pub position: f32,
    /// Angle of the crease against the short side, degrees.
    pub line_angle_deg: f32,
    /// How far the part beyond the crease is lifted, degrees.
    pub angle_deg: f32,
}

/// A finger resting on the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Finger {
    /// The symbol it covers.
    pub covers: Symbol,
    /// Fingertip position on the ticket, as fractions of ticket width and height.
    pub tip: (f32, f32),
    /// Direction from the tip towards the hand, in ticket coordinates, degrees from +x.
    pub direction_deg: f32,
    /// Finger width as a share of the ticket width (0.25 ≈ 16 mm).
    pub width: f32,
    /// Skin reflectance (0–1).
    pub skin: f32,
}

/// What lies under and around the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Background {
    /// A plain surface of one reflectance (0–1).
    Plain {
        /// Reflectance.
        reflectance: f32,
    },
    /// A desk with forms, labels, barcodes that are not tickets, pens and devices.
    Cluttered {
        /// Seed of the clutter, so that a fixed camera sees the same desk in every frame.
        seed: u64,
    },
}

/// Everything about how one frame is taken. All fields are public; build one with
/// [`Scene::flat`] or [`Scene::random`] and adjust.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// In-plane rotation of the ticket, degrees (clockwise on screen).
    pub rotation_deg: f32,
    /// Out-of-plane tilt of the ticket, degrees (perspective).
    pub tilt_deg: f32,
    /// Direction of the tilt axis in the frame, degrees from +x.
    pub tilt_axis_deg: f32,
    /// Ticket width as a share of the frame width when seen square-on (0.2–0.8 typical).
    pub scale: f32,
    /// Ticket centre as fractions of frame width and height.
    pub center: (f32, f32),
    /// Horizontal field of view of the camera, degrees.
    pub fov_deg: f32,
    /// Gaussian blur sigma in pixels (lens softness and defocus).
    pub defocus_sigma: f32,
    /// Motion blur length in pixels (0 = none).
    pub motion_blur_px: f32,
    /// Motion blur direction, degrees from +x.
    pub motion_blur_angle_deg: f32,
    /// Sensor noise standard deviation, in output grey levels.
    pub noise_sigma: f32,
    /// JPEG quality (1–100) the frame passes through; `None` = no JPEG.
    pub jpeg_quality: Option<u8>,
    /// Light level; paper of reflectance 1 under light 1 is just white.
    pub brightness: f32,
    /// Share of the light lost from the lit side of the frame to the far side (0–1).
    pub light_gradient: f32,
    /// Direction the light falls off towards, degrees from +x.
    pub light_angle_deg: f32,
    /// Share of the light lost in the frame corners (0–1).
    pub vignette: f32,
    /// Paper reflectance (0–1).
    pub paper: f32,
    /// Ink reflectance (0–1).
    pub ink: f32,
    /// A shadow edge, if any.
    pub shadow: Option<Shadow>,
    /// A highlight, if any.
    pub glare: Option<Glare>,
    /// Paper curl, if any.
    pub curl: Option<Curl>,
    /// A fold, if any.
    pub fold: Option<Fold>,
    /// A finger over the ticket, if any.
    pub finger: Option<Finger>,
    /// The background.
    pub background: Background,
}

/// Four points in the frame, in pixels: a ticket's corners.
pub type Quad = [(f32, f32); 4];

/// Ticket aspect (height / width) assumed when fitting a scene: the tallest ticket.
pub const FIT_ASPECT: f32 = 35.0 / 63.0;

/// Frame sizes used by the medium and hard tiers.
pub const FRAME_SIZES: [(u32, u32); 4] = [(640, 480), (800, 600), (1280, 720), (1920, 1080)];

impl Scene {
    /// A clean scene: ticket square-on in the middle, 60 % of the width, light blur,
    /// no noise, no JPEG, even light, plain background.
    pub fn flat(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            rotation_deg: 0.0,
            tilt_deg: 0.0,
            tilt_axis_deg: 0.0,
            scale: 0.6,
            center: (0.5, 0.5),
            fov_deg: 62.0,
            defocus_sigma: 0.5,
            motion_blur_px: 0.0,
            motion_blur_angle_deg: 0.0,
            noise_sigma: 0.0,
            jpeg_quality: None,
            brightness: 1.0,
            light_gradient: 0.0,
            light_angle_deg: 0.0,
            vignette: 0.0,
            paper: 0.88,
            ink: 0.04,
            shadow: None,
            glare: None,
            curl: None,
            fold: None,
            finger: None,
            background: Background::Plain { reflectance: 0.3 },
        }
    }

    /// A random scene of `tier`, deterministic for `seed`, with the ticket inside the
    /// frame. It has no finger: fingers are placed per ticket layout (see
    /// [`crate::dataset()`]).
    pub fn random(tier: Tier, seed: u64) -> Self {
        Self::random_with(tier, &mut ChaCha8Rng::seed_from_u64(seed))
    }

    /// As [`Scene::random`], drawing from `rng`.
    pub fn random_with(tier: Tier, rng: &mut ChaCha8Rng) -> Self {
        let (width, height) = match tier {
            Tier::Easy => (1280, 720),
            _ => FRAME_SIZES[rng.random_range(0..FRAME_SIZES.len())],
        };
        let mut s = Self::flat(width, height);
        s.fov_deg = rng.random_range(55.0..70.0);
        s.light_angle_deg = rng.random_range(0.0..360.0);
        s.tilt_axis_deg = rng.random_range(0.0..180.0);
        s.motion_blur_angle_deg = rng.random_range(0.0..180.0);
        s.paper = rng.random_range(0.78..0.92);
        s.ink = rng.random_range(0.03..0.08);
        match tier {
            Tier::Easy => {
                s.rotation_deg = rng.random_range(-10.0..10.0);
                s.tilt_deg = rng.random_range(0.0..4.0);
                s.scale = rng.random_range(0.4..0.8);
                s.defocus_sigma = rng.random_range(0.4..0.9);
                s.motion_blur_px = rng.random_range(0.0..1.0);
                s.noise_sigma = rng.random_range(0.5..2.5);
                s.jpeg_quality = rng.random_bool(0.5).then(|| rng.random_range(88..=95));
                s.brightness = rng.random_range(0.95..1.1);
                s.light_gradient = rng.random_range(0.0..0.12);
                s.vignette = rng.random_range(0.0..0.15);
                s.background = if rng.random_bool(0.3) {
                    Background::Cluttered { seed: rng.random() }
                } else {
                    Background::Plain {
                        reflectance: rng.random_range(0.1..0.5),
                    }
                };
            }
            Tier::Medium => {
                s.rotation_deg = rng.random_range(0.0..360.0);
                s.tilt_deg = rng.random_range(0.0..15.0);
                s.scale = rng.random_range(0.3..0.7);
                s.defocus_sigma = rng.random_range(0.6..1.5);
                s.motion_blur_px = rng.random_range(0.0..3.0);
                s.noise_sigma = rng.random_range(2.0..5.0);
                s.jpeg_quality = Some(rng.random_range(70..=90));
                s.brightness = rng.random_range(0.75..1.1);
                s.light_gradient = rng.random_range(0.1..0.4);
                s.vignette = rng.random_range(0.1..0.3);
                if rng.random_bool(0.3) {
                    s.shadow = Some(random_shadow(rng, 0.2..0.5));
                }
                if rng.random_bool(0.1) {
                    s.glare = Some(random_glare(rng, 0.3..0.7));
                }
                if rng.random_bool(0.2) {
                    s.curl = Some(Curl {
                        lift: rng.random_range(0.01..0.04),
                    });
                }
                s.background = if rng.random_bool(0.5) {
                    Background::Cluttered { seed: rng.random() }
                } else {
                    Background::Plain {
                        reflectance: rng.random_range(0.1..0.6),
                    }
                };
            }
            Tier::Hard => {
                s.rotation_deg = rng.random_range(0.0..360.0);
                s.tilt_deg = rng.random_range(10.0..30.0);
                s.scale = rng.random_range(0.2..0.5);
                s.defocus_sigma = rng.random_range(1.0..2.3);
                s.motion_blur_px = rng.random_range(1.0..6.0);
                s.noise_sigma = rng.random_range(4.0..9.0);
                s.jpeg_quality = Some(rng.random_range(40..=70));
                s.brightness = rng.random_range(0.6..1.1);
                s.light_gradient = rng.random_range(0.2..0.5);
                s.vignette = rng.random_range(0.15..0.4);
                if rng.random_bool(0.6) {
                    s.shadow = Some(random_shadow(rng, 0.3..0.65));
                }
                if rng.random_bool(0.4) {
                    s.glare = Some(random_glare(rng, 0.5..1.2));
                }
                match rng.random_range(0..10) {
                    0..=3 => {
                        s.curl = Some(Curl {
                            lift: rng.random_range(0.03..0.1),
                        })
                    }
                    4..=6 => {
                        s.fold = Some(Fold {
                            position: rng.random_range(0.3..0.7),
                            line_angle_deg: rng.random_range(-20.0..20.0),
                            angle_deg: rng.random_range(8.0..25.0),
                        })
                    }
                    _ => {}
                }
                s.background = if rng.random_bool(0.9) {
                    Background::Cluttered { seed: rng.random() }
                } else {
                    Background::Plain {
                        reflectance: rng.random_range(0.1..0.7),
                    }
                };
            }
        }
        s.fit(rng, FIT_ASPECT);
        s
    }

    /// Shrinks the ticket if it cannot fit, then moves it to a random place where it is
    /// entirely inside the frame with a small margin.
    pub fn fit(&mut self, rng: &mut ChaCha8Rng, aspect: f32) {
        let margin = 0.03 * self.width.min(self.height) as f32;
        let (w, h) = (self.width as f32, self.height as f32);
        self.center = (0.5, 0.5);
        for _ in 0..60 {
            match self.extent(aspect) {
                Some((x0, y0, x1, y1))
                    if x1 - x0 <= w - 2.0 * margin && y1 - y0 <= h - 2.0 * margin =>
                {
                    break;
                }
                _ => self.scale *= 0.93,
            }
        }
        let Some((x0, y0, x1, y1)) = self.extent(aspect) else {
            return;
        };
        let dx = rng.random_range(0.0..=1.0f32);
        let dy = rng.random_range(0.0..=1.0f32);
        let shift_x = (margin - x0) + dx * ((w - margin - x1) - (margin - x0)).max(0.0);
        let shift_y = (margin - y0) + dy * ((h - margin - y1) - (margin - y0)).max(0.0);
        let wanted = (0.5 + shift_x / w, 0.5 + shift_y / h);
        // Off-axis perspective changes the extent a little: back off until it fits.
        for k in 0..=10 {
            let t = 1.0 - k as f32 / 10.0;
            self.center = (0.5 + (wanted.0 - 0.5) * t, 0.5 + (wanted.1 - 0.5) * t);
            if self.inside(aspect, 0.0) {
                return;
            }
        }
    }

    /// Whether the whole ticket (of `aspect` = height / width) projects inside the frame
    /// with `margin` pixels to spare.
    pub fn inside(&self, aspect: f32, margin: f32) -> bool {
        match self.extent(aspect) {
            Some((x0, y0, x1, y1)) => {
                x0 >= margin
                    && y0 >= margin
                    && x1 <= self.width as f32 - margin
                    && y1 <= self.height as f32 - margin
            }
            None => false,
        }
    }

    /// The four ticket corners in the frame (top-left, top-right, bottom-right,
    /// bottom-left of the ticket), for a ticket of `aspect` = height / width.
    pub fn ticket_quad(&self, aspect: f32) -> Option<Quad> {
        let cam = Camera::new(self)?;
        let surface = Surface::new(self.curl.as_ref(), self.fold.as_ref());
        let a = f64::from(aspect) / 2.0;
        let mut out = [(0.0, 0.0); 4];
        for (o, (u, v)) in out
            .iter_mut()
            .zip([(-0.5, -a), (0.5, -a), (0.5, a), (-0.5, a)])
        {
            let (x, y) = cam.project(surface.point(u, v))?;
            *o = (x as f32, y as f32);
        }
        Some(out)
    }

    /// Bounding box of the projected (possibly curled or folded) ticket.
    pub fn extent(&self, aspect: f32) -> Option<(f32, f32, f32, f32)> {
        let cam = Camera::new(self)?;
        let surface = Surface::new(self.curl.as_ref(), self.fold.as_ref());
        let a = f64::from(aspect);
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for i in 0..=16 {
            for j in 0..=8 {
                let on_edge = i == 0 || i == 16 || j == 0 || j == 8;
                if !on_edge {
                    continue;
                }
                let u = -0.5 + f64::from(i) / 16.0;
                let v = a * (-0.5 + f64::from(j) / 8.0);
                let (x, y) = cam.project(surface.point(u, v))?;
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
        }
        Some((x0 as f32, y0 as f32, x1 as f32, y1 as f32))
    }
}

fn random_shadow(rng: &mut ChaCha8Rng, depth: std::ops::Range<f32>) -> Shadow {
    Shadow {
        point: (rng.random_range(0.2..0.8), rng.random_range(0.2..0.8)),
        angle_deg: rng.random_range(0.0..360.0),
        depth: rng.random_range(depth),
        softness: rng.random_range(0.02..0.12),
    }
}

fn random_glare(rng: &mut ChaCha8Rng, strength: std::ops::Range<f32>) -> Glare {
    Glare {
        center: (rng.random_range(0.2..0.8), rng.random_range(0.2..0.8)),
        radius: rng.random_range(0.04..0.15),
        strength: rng.random_range(strength),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_scenes_keep_the_ticket_inside_the_frame() {
        for tier in [Tier::Easy, Tier::Medium, Tier::Hard] {
            for seed in 0..200 {
                let s = Scene::random(tier, seed);
                assert!(s.inside(FIT_ASPECT, 0.0), "{tier:?} seed {seed}: {s:?}");
                let quad = s.ticket_quad(34.0 / 63.0).unwrap();
                for (x, y) in quad {
                    assert!(x >= 0.0 && y >= 0.0 && x <= s.width as f32 && y <= s.height as f32);
                }
            }
        }
    }

    #[test]
    fn tiers_respect_their_ranges() {
        for seed in 0..100 {
            let e = Scene::random(Tier::Easy, seed);
            assert!(e.rotation_deg.abs() <= 10.0 && (e.width, e.height) == (1280, 720));
            assert!(e.scale <= 0.8);
            let m = Scene::random(Tier::Medium, seed);
            assert!(m.tilt_deg <= 15.0);
            assert!(matches!(m.jpeg_quality, Some(70..=90)));
            let h = Scene::random(Tier::Hard, seed);
            assert!(h.tilt_deg <= 30.0 && h.scale <= 0.5);
            assert!(matches!(h.jpeg_quality, Some(40..=70)));
        }
    }

    #[test]
    fn same_seed_same_scene() {
        assert_eq!(Scene::random(Tier::Hard, 7), Scene::random(Tier::Hard, 7));
        assert_ne!(Scene::random(Tier::Hard, 7), Scene::random(Tier::Hard, 8));
    }
}
