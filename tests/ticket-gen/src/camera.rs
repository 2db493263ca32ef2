//! Composing a camera frame: background, the ticket mapped through the camera, light,
//! finger, optics, sensor noise and JPEG.

use image::{GrayImage, ImageFormat, Luma};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::background;
use crate::error::GenError;
use crate::geometry::{Camera, Surface, dot, normalize};
use crate::optics::{Plane, gaussian_blur, motion_blur};
use crate::scene::{Finger, Scene};

/// Largest frame side accepted.
pub const MAX_FRAME_SIDE: u32 = 8192;
/// Largest blur (Gaussian sigma or motion length) applied, in pixels.
pub const MAX_BLUR_PX: f32 = 64.0;

/// A camera frame of `ticket` (a flat render: 255 paper, 0 ink) photographed as
/// `scene` describes. `seed` drives the sensor noise; the background comes from the
/// scene. On an impossible scene (zero or huge size) the error is logged and an empty
/// image is returned; use [`try_camera_frame`] to get the error.
pub fn camera_frame(ticket: &GrayImage, scene: &Scene, seed: u64) -> GrayImage {
    try_camera_frame(ticket, scene, seed).unwrap_or_else(|e| {
        log::error!("{e}");
        GrayImage::new(0, 0)
    })
}

/// A frame of the same scene without any ticket (the finger, which rests on a ticket, is
/// left out too).
pub fn empty_frame(scene: &Scene, seed: u64) -> GrayImage {
    try_empty_frame(scene, seed).unwrap_or_else(|e| {
        log::error!("{e}");
        GrayImage::new(0, 0)
    })
}

/// As [`camera_frame`], reporting an impossible scene as an error.
pub fn try_camera_frame(
    ticket: &GrayImage,
    scene: &Scene,
    seed: u64,
) -> Result<GrayImage, GenError> {
    if ticket.width() < 2 || ticket.height() < 2 {
        return Err(GenError::Parameter(format!(
            "券の画像が小さすぎます({}×{})",
            ticket.width(),
            ticket.height()
        )));
    }
    compose(Some(ticket), scene, seed)
}

/// As [`empty_frame`], reporting an impossible scene as an error.
pub fn try_empty_frame(scene: &Scene, seed: u64) -> Result<GrayImage, GenError> {
    compose(None, scene, seed)
}

fn compose(ticket: Option<&GrayImage>, scene: &Scene, seed: u64) -> Result<GrayImage, GenError> {
    let (w, h) = (scene.width, scene.height);
    if w == 0 || h == 0 || w > MAX_FRAME_SIDE || h > MAX_FRAME_SIDE {
        return Err(GenError::Parameter(format!(
            "フレームの大きさ {w}×{h} は 1–{MAX_FRAME_SIDE} の範囲にしてください"
        )));
    }
    let (wu, hu) = (w as usize, h as usize);
    let mut reflect = background::render(&scene.background, wu, hu);
    if let Some(ticket) = ticket {
        match Camera::new(scene) {
            Some(cam) => draw_ticket(&mut reflect, ticket, scene, &cam),
            None => log::warn!("券の姿勢が不正なため券を描きません: {scene:?}"),
        }
    }
    let mut radiance = Plane {
        data: reflect,
        width: wu,
        height: hu,
    };
    light(&mut radiance, scene);
    // Limits keep absurd scenes from running for hours; real blur is far smaller.
    gaussian_blur(&mut radiance, scene.defocus_sigma.min(MAX_BLUR_PX));
    motion_blur(
        &mut radiance,
        scene.motion_blur_px.min(MAX_BLUR_PX),
        scene.motion_blur_angle_deg,
    );
    let frame = sensor(&radiance, scene.noise_sigma, seed);
    match scene.jpeg_quality {
        None => Ok(frame),
        Some(q) => jpeg_round_trip(&frame, q),
    }
}

/// A mip-map of the flat ticket (1 = paper, 0 = ink), for sampling it at any scale
/// without aliasing.
struct Pyramid {
    levels: Vec<Plane>,
}

impl Pyramid {
    fn new(ticket: &GrayImage) -> Self {
        let base = Plane {
            data: ticket.pixels().map(|p| f32::from(p.0[0]) / 255.0).collect(),
            width: ticket.width() as usize,
            height: ticket.height() as usize,
        };
        let mut levels = vec![base];
        while let Some(last) = levels.last() {
            if last.width <= 2 || last.height <= 2 || levels.len() >= 12 {
                break;
            }
            let (nw, nh) = (last.width.div_ceil(2), last.height.div_ceil(2));
            let mut data = Vec::with_capacity(nw * nh);
            for y in 0..nh {
                for x in 0..nw {
                    let (x0, y0) = (2 * x, 2 * y);
                    let (x1, y1) = ((x0 + 1).min(last.width - 1), (y0 + 1).min(last.height - 1));
                    let s = last.data[y0 * last.width + x0]
                        + last.data[y0 * last.width + x1]
                        + last.data[y1 * last.width + x0]
                        + last.data[y1 * last.width + x1];
                    data.push(s / 4.0);
                }
            }
            levels.push(Plane {
                data,
                width: nw,
                height: nh,
            });
        }
        Self { levels }
    }

    /// Samples at base-level position `(x, y)` (pixel edges at integers) with a
    /// footprint of `rho` base pixels per frame pixel (trilinear).
    fn sample(&self, x: f32, y: f32, rho: f32) -> f32 {
        let lod = rho.max(1.0).log2().min((self.levels.len() - 1) as f32);
        let l0 = lod.floor() as usize;
        let t = lod - l0 as f32;
        let at = |l: usize| {
            let s = (1u32 << l) as f32;
            self.levels[l].bilinear(x / s - 0.5, y / s - 0.5)
        };
        let a = at(l0);
        if t > 1e-3 && l0 + 1 < self.levels.len() {
            a + (at(l0 + 1) - a) * t
        } else {
            a
        }
    }
}

/// Light direction (towards the light) in camera coordinates: mostly from the camera
/// side, leaning away from where the light falls off.
fn light_dir(scene: &Scene) -> [f64; 3] {
    let a = f64::from(scene.light_angle_deg).to_radians();
    normalize([-0.35 * a.cos(), -0.35 * a.sin(), -1.0])
}

fn shade(n_cam: [f64; 3], l: [f64; 3]) -> f32 {
    (0.6 + 0.4 * dot(n_cam, l).max(0.0)) as f32
}

fn draw_ticket(reflect: &mut [f32], ticket: &GrayImage, scene: &Scene, cam: &Camera) {
    let pyramid = Pyramid::new(ticket);
    let tw = ticket.width() as f32;
    let aspect = ticket.height() as f32 / tw;
    let a = f64::from(aspect);
    let surface = Surface::new(scene.curl.as_ref(), scene.fold.as_ref());
    let l = light_dir(scene);
    let desk = shade([0.0, 0.0, -1.0], l);
    let flat = shade(cam.dir_to_camera([0.0, 0.0, 1.0]), l) / desk;
    let (paper, ink) = (scene.paper.clamp(0.0, 1.0), scene.ink.clamp(0.0, 1.0));
    let (w, h) = (scene.width as usize, scene.height as usize);
    let Some((x0, y0, x1, y1)) = scene.extent(aspect) else {
        return;
    };
    let xs =
        ((x0 - 2.0).floor().max(0.0) as usize)..((x1 + 2.0).ceil().clamp(0.0, w as f32) as usize);
    let ys =
        ((y0 - 2.0).floor().max(0.0) as usize)..((y1 + 2.0).ceil().clamp(0.0, h as f32) as usize);
    for y in ys {
        for x in xs.clone() {
            let Some((u, v)) = cam.sheet_point(&surface, x as f64 + 0.5, y as f64 + 0.5) else {
                continue;
            };
            let j = cam.plane_jacobian(u, v);
            let su = j[0][0].hypot(j[1][0]);
            let sv = j[0][1].hypot(j[1][1]);
            let du = (u + 0.5).min(0.5 - u);
            let dv = (v + a / 2.0).min(a / 2.0 - v);
            let alpha = ((du * su).min(dv * sv) + 0.5).clamp(0.0, 1.0) as f32;
            if alpha <= 0.0 {
                continue;
            }
            let det = (j[0][0] * j[1][1] - j[0][1] * j[1][0]).abs().max(1e-12);
            let rho = tw / det.sqrt() as f32;
            let tx = (u + 0.5) as f32 * tw;
            let ty = (v + a / 2.0) as f32 * tw;
            let t = pyramid.sample(tx, ty, rho);
            let k = if surface.is_flat() {
                flat
            } else {
                shade(cam.dir_to_camera(surface.normal(u, v)), l) / desk
            };
            let r = (ink + (paper - ink) * t) * k;
            let o = &mut reflect[y * w + x];
            *o = *o * (1.0 - alpha) + r * alpha;
        }
    }
    if let Some(f) = &scene.finger {
        draw_finger(reflect, scene, cam, f, aspect);
    }
}

/// Distance from `p` to segment `a`–`b`, and the position along it (0 at `a`).
fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0);
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    (
        ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt(),
        t * len2.sqrt(),
    )
}

fn draw_finger(reflect: &mut [f32], scene: &Scene, cam: &Camera, f: &Finger, aspect: f32) {
    let a = f64::from(aspect);
    let tip = (f64::from(f.tip.0) - 0.5, (f64::from(f.tip.1) - 0.5) * a);
    let d = f64::from(f.direction_deg).to_radians();
    let dir = (d.cos(), d.sin());
    let end = (tip.0 + 4.0 * dir.0, tip.1 + 4.0 * dir.1);
    let r = f64::from(f.width.max(0.01)) / 2.0;
    // The finger's shadow falls away from the light.
    let la = f64::from(scene.light_angle_deg).to_radians();
    let off = (0.12 * r * la.cos(), 0.12 * r * la.sin());
    let (w, h) = (scene.width as usize, scene.height as usize);
    for y in 0..h {
        for x in 0..w {
            let Some((u, v)) = cam.unproject_plane(x as f64 + 0.5, y as f64 + 0.5) else {
                continue;
            };
            let j = cam.plane_jacobian(u, v);
            let scale = (j[0][0] * j[1][1] - j[0][1] * j[1][0]).abs().sqrt();
            let o = &mut reflect[y * w + x];
            let (dist_s, _) = segment_distance((u - off.0, v - off.1), tip, end);
            if dist_s < r * 1.3 {
                let s = ((r * 1.3 - dist_s) / (0.4 * r)).clamp(0.0, 1.0) as f32;
                *o *= 1.0 - 0.35 * s;
            }
            let (dist, along) = segment_distance((u, v), tip, end);
            let alpha = ((r - dist) * scale + 0.5).clamp(0.0, 1.0) as f32;
            if alpha <= 0.0 {
                continue;
            }
            let across = (dist / r).min(1.0);
            let mut skin = f.skin * (0.45 + 0.55 * (1.0 - across * across).sqrt() as f32);
            // The nail: an ellipse near the tip.
            let nail = ((along - 0.45 * r) / (0.5 * r)).powi(2) + (across / 0.6).powi(2);
            if nail < 1.0 {
                skin = (skin + 0.12).min(1.0);
            }
            *o = *o * (1.0 - alpha) + skin * alpha;
        }
    }
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Multiplies reflectance by the light falling on each pixel and adds glare.
fn light(p: &mut Plane, scene: &Scene) {
    let (w, h) = (p.width as f32, p.height as f32);
    let (ls, lc) = scene.light_angle_deg.to_radians().sin_cos();
    let span = 0.5 * (lc.abs() + ls.abs()).max(1e-3);
    let half_diag = (w * w + h * h).sqrt() / 2.0;
    for y in 0..p.height {
        for x in 0..p.width {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            let proj = ((fx / w - 0.5) * lc + (fy / h - 0.5) * ls) / span;
            let g = (0.5 + 0.5 * proj).clamp(0.0, 1.0);
            let rr = ((fx - w / 2.0).powi(2) + (fy - h / 2.0).powi(2)).sqrt() / half_diag;
            let mut illum = scene.brightness
                * (1.0 - scene.light_gradient.clamp(0.0, 1.0) * g)
                * (1.0 - scene.vignette.clamp(0.0, 1.0) * rr * rr);
            if let Some(s) = &scene.shadow {
                let (ss, sc) = s.angle_deg.to_radians().sin_cos();
                let d = (fx - s.point.0 * w) * sc + (fy - s.point.1 * h) * ss;
                let soft = (s.softness * w).max(1.0);
                illum *= 1.0 - s.depth.clamp(0.0, 1.0) * smoothstep(-soft / 2.0, soft / 2.0, d);
            }
            let i = y * p.width + x;
            let mut rad = p.data[i] * illum;
            if let Some(g) = &scene.glare {
                let r = ((fx - g.center.0 * w).powi(2) + (fy - g.center.1 * h).powi(2)).sqrt();
                let rad_px = (g.radius * w).max(1.0);
                rad += g.strength * scene.brightness * (-(r / rad_px).powi(2)).exp();
            }
            p.data[i] = rad;
        }
    }
}

/// Gamma-encodes linear radiance (1 = white), adds sensor noise, quantises.
fn sensor(p: &Plane, noise_sigma: f32, seed: u64) -> GrayImage {
    const STEPS: usize = 4096;
    let lut: Vec<f32> = (0..=STEPS)
        .map(|i| 255.0 * (i as f32 / STEPS as f32).powf(1.0 / 2.2))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sigma = if noise_sigma.is_finite() {
        noise_sigma.max(0.0)
    } else {
        0.0
    };
    let mut img = GrayImage::new(p.width as u32, p.height as u32);
    for (out, rad) in img.pixels_mut().zip(&p.data) {
        let idx = (rad.clamp(0.0, 1.0) * STEPS as f32).round() as usize;
        let mut v = lut[idx];
        if sigma > 0.0 {
            v += sigma * gaussian(&mut rng);
        }
        *out = Luma([v.round().clamp(0.0, 255.0) as u8]);
    }
    img
}

/// A standard normal deviate (Box–Muller).
fn gaussian(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f32 = rng.random::<f32>().max(1e-7);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Encodes as JPEG at `quality` and decodes again, as a camera pipeline would.
pub fn jpeg_round_trip(img: &GrayImage, quality: u8) -> Result<GrayImage, GenError> {
    let mut buf = Vec::new();
    let encoder =
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, quality.clamp(1, 100));
    img.write_with_encoder(encoder)?;
    Ok(image::load_from_memory_with_format(&buf, ImageFormat::Jpeg)?.to_luma8())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker(w: u32, h: u32) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| {
            Luma([if (x / 8 + y / 8) % 2 == 0 { 255 } else { 0 }])
        })
    }

    #[test]
    fn ticket_lands_where_the_scene_says() {
        let mut scene = Scene::flat(400, 300);
        scene.background = crate::scene::Background::Plain { reflectance: 0.0 };
        scene.defocus_sigma = 0.0;
        scene.rotation_deg = 30.0;
        scene.tilt_deg = 20.0;
        let ticket = GrayImage::from_pixel(630, 340, Luma([255]));
        let frame = camera_frame(&ticket, &scene, 1);
        let quad = scene.ticket_quad(340.0 / 630.0).unwrap();
        // Centre of the quad is paper, far corners of the frame are black background.
        let cx = quad.iter().map(|p| p.0).sum::<f32>() / 4.0;
        let cy = quad.iter().map(|p| p.1).sum::<f32>() / 4.0;
        assert!(frame.get_pixel(cx as u32, cy as u32).0[0] > 200);
        assert_eq!(frame.get_pixel(1, 1).0[0], 0);
        // Lit area ≈ quad area (shoelace).
        let area: f32 = (0..4)
            .map(|i| {
                let (a, b) = (quad[i], quad[(i + 1) % 4]);
                a.0 * b.1 - b.0 * a.1
            })
            .sum::<f32>()
            .abs()
            / 2.0;
        let lit = frame.pixels().filter(|p| p.0[0] > 128).count() as f32;
        assert!((lit - area).abs() / area < 0.03, "lit {lit} vs quad {area}");
    }

    #[test]
    fn minified_ticket_is_averaged_not_aliased() {
        let mut scene = Scene::flat(200, 150);
        scene.defocus_sigma = 0.0;
        scene.scale = 0.3;
        scene.paper = 1.0;
        scene.ink = 0.0;
        // 8-px checker shrunk ~20×: every pixel well inside should be mid-grey.
        let frame = camera_frame(&checker(1260, 680), &scene, 1);
        let v = frame.get_pixel(100, 75).0[0];
        // 0.5 linear → 255 · 0.5^(1/2.2) ≈ 186.
        assert!((170..=200).contains(&v), "{v}");
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_noise() {
        let mut scene = Scene::flat(160, 120);
        scene.noise_sigma = 3.0;
        scene.jpeg_quality = Some(80);
        let t = checker(630, 340);
        assert_eq!(camera_frame(&t, &scene, 9), camera_frame(&t, &scene, 9));
        assert_ne!(camera_frame(&t, &scene, 9), camera_frame(&t, &scene, 10));
    }

    #[test]
    fn impossible_scenes_are_errors_not_panics() {
        let mut scene = Scene::flat(0, 120);
        assert!(matches!(
            try_empty_frame(&scene, 1),
            Err(GenError::Parameter(_))
        ));
        scene.width = 100;
        scene.scale = f32::NAN;
        let frame = camera_frame(&checker(630, 340), &scene, 1);
        assert_eq!(frame.dimensions(), (100, 120));
        assert_eq!(
            camera_frame(&GrayImage::new(0, 0), &scene, 1).dimensions(),
            (0, 0)
        );
    }
}
