//! The 3-D set-up of a camera frame: a pinhole camera looking at a sheet of paper that
//! may be rotated, tilted, curled and folded.
//!
//! Ticket coordinates: origin at the ticket centre, unit = ticket width, `x` to the right
//! (−0.5…0.5), `y` down (−aspect/2…aspect/2), `z` out of the paper towards the camera.
//! Camera coordinates: `X` right, `Y` down, `Z` forward along the optical axis.

use crate::scene::{Curl, Fold, Scene};

/// 3-vector.
pub(crate) type V3 = [f64; 3];
type M3 = [[f64; 3]; 3];

fn mul(m: &M3, v: V3) -> V3 {
    [
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    ]
}

fn matmul(a: &M3, b: &M3) -> M3 {
    let mut out = [[0.0; 3]; 3];
    for (i, row) in out.iter_mut().enumerate() {
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    out
}

fn inverse(m: &M3) -> Option<M3> {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if det.abs() < 1e-12 || !det.is_finite() {
        return None;
    }
    let d = 1.0 / det;
    Some([
        [
            (m[1][1] * m[2][2] - m[1][2] * m[2][1]) * d,
            (m[0][2] * m[2][1] - m[0][1] * m[2][2]) * d,
            (m[0][1] * m[1][2] - m[0][2] * m[1][1]) * d,
        ],
        [
            (m[1][2] * m[2][0] - m[1][0] * m[2][2]) * d,
            (m[0][0] * m[2][2] - m[0][2] * m[2][0]) * d,
            (m[0][2] * m[1][0] - m[0][0] * m[1][2]) * d,
        ],
        [
            (m[1][0] * m[2][1] - m[1][1] * m[2][0]) * d,
            (m[0][1] * m[2][0] - m[0][0] * m[2][1]) * d,
            (m[0][0] * m[1][1] - m[0][1] * m[1][0]) * d,
        ],
    ])
}

fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

pub(crate) fn normalize(v: V3) -> V3 {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    if n > 0.0 {
        [v[0] / n, v[1] / n, v[2] / n]
    } else {
        [0.0, 0.0, 1.0]
    }
}

pub(crate) fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// The paper surface: flat coordinates on the sheet → 3-D ticket coordinates.
#[derive(Debug, Clone)]
pub(crate) struct Surface {
    fold: Option<(f64, [f64; 2], f64)>,
    curl_radius: Option<f64>,
}

impl Surface {
    pub fn new(curl: Option<&Curl>, fold: Option<&Fold>) -> Self {
        let fold = fold.filter(|f| f.angle_deg.abs() > 0.01).map(|f| {
            let a = f64::from(f.line_angle_deg).to_radians();
            // Crease through (position − 0.5, 0); normal points to the lifted side.
            let normal = [a.cos(), -a.sin()];
            let offset = f64::from(f.position) - 0.5;
            (offset, normal, f64::from(f.angle_deg).to_radians())
        });
        let curl_radius = curl
            .filter(|c| c.lift > 1e-4)
            .map(|c| curl_radius(f64::from(c.lift).min(0.3), 0.5));
        Self { fold, curl_radius }
    }

    pub fn is_flat(&self) -> bool {
        self.fold.is_none() && self.curl_radius.is_none()
    }

    /// The 3-D point of sheet point `(u, v)`.
    pub fn point(&self, u: f64, v: f64) -> V3 {
        let (mut x, mut y, mut z) = (u, v, 0.0);
        if let Some((offset, n, angle)) = self.fold {
            let s = (x - offset) * n[0] + y * n[1];
            if s > 0.0 {
                let back = s - s * angle.cos();
                x -= back * n[0];
                y -= back * n[1];
                z = s * angle.sin();
            }
        }
        if let Some(r) = self.curl_radius {
            // Bend around a cylinder whose axis runs along the short side, above the
            // sheet: x is arc length, z an offset along the surface normal.
            let phi = x / r;
            let (s, c) = phi.sin_cos();
            return [r * s - z * s, y, r * (1.0 - c) + z * c];
        }
        [x, y, z]
    }

    /// Unit normal (towards the camera side of the paper) at sheet point `(u, v)`.
    pub fn normal(&self, u: f64, v: f64) -> V3 {
        if self.is_flat() {
            return [0.0, 0.0, 1.0];
        }
        let e = 1e-3;
        let pu0 = self.point(u - e, v);
        let pu1 = self.point(u + e, v);
        let pv0 = self.point(u, v - e);
        let pv1 = self.point(u, v + e);
        let du = [pu1[0] - pu0[0], pu1[1] - pu0[1], pu1[2] - pu0[2]];
        let dv = [pv1[0] - pv0[0], pv1[1] - pv0[1], pv1[2] - pv0[2]];
        // x right, y down: du × dv points to −z; flip so the normal faces the camera.
        let n = cross(du, dv);
        normalize([-n[0], -n[1], -n[2]])
    }
}

/// Radius of a cylinder on which an arc of half-length `half` rises by `lift` at its ends.
fn curl_radius(lift: f64, half: f64) -> f64 {
    // lift = r (1 − cos(half / r)), decreasing in r; bisect.
    let (mut lo, mut hi) = (half / std::f64::consts::PI * 1.0001, 1e6);
    for _ in 0..100 {
        let mid = (lo * hi).sqrt();
        let l = mid * (1.0 - (half / mid).cos());
        if l > lift {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo * hi).sqrt()
}

/// A pinhole camera and the ticket's pose in front of it.
#[derive(Debug, Clone)]
pub(crate) struct Camera {
    f: f64,
    cx: f64,
    cy: f64,
    rot: M3,
    t: V3,
    /// Plane homography (ticket z = 0 → pixels) and its inverse.
    h: M3,
    h_inv: M3,
}

impl Camera {
    /// Sets up the camera for `scene`; `None` when the pose is degenerate.
    pub fn new(scene: &Scene) -> Option<Self> {
        let w = f64::from(scene.width);
        let h = f64::from(scene.height);
        let fov = f64::from(scene.fov_deg).clamp(10.0, 150.0).to_radians();
        let f = (w / 2.0) / (fov / 2.0).tan();
        let scale = f64::from(scene.scale);
        if !(scale.is_finite() && scale > 0.0) || w < 1.0 || h < 1.0 {
            return None;
        }
        let z0 = f / (scale * w);
        let (cx, cy) = (w / 2.0, h / 2.0);
        let tx = (f64::from(scene.center.0) * w - cx) * z0 / f;
        let ty = (f64::from(scene.center.1) * h - cy) * z0 / f;

        let r = f64::from(scene.rotation_deg).to_radians();
        let rz: M3 = [
            [r.cos(), -r.sin(), 0.0],
            [r.sin(), r.cos(), 0.0],
            [0.0, 0.0, 1.0],
        ];
        let tilt = rodrigues(
            f64::from(scene.tilt_axis_deg).to_radians(),
            f64::from(scene.tilt_deg).to_radians(),
        );
        let rot = matmul(&tilt, &rz);
        // Ticket (x, y, z) → camera R (x, y, −z) + t; plane z = 0 uses R's first columns.
        let t = [tx, ty, z0];
        let k: M3 = [[f, 0.0, cx], [0.0, f, cy], [0.0, 0.0, 1.0]];
        let rt: M3 = [
            [rot[0][0], rot[0][1], t[0]],
            [rot[1][0], rot[1][1], t[1]],
            [rot[2][0], rot[2][1], t[2]],
        ];
        let hmat = matmul(&k, &rt);
        let h_inv = inverse(&hmat)?;
        Some(Self {
            f,
            cx,
            cy,
            rot,
            t,
            h: hmat,
            h_inv,
        })
    }

    /// Camera coordinates of a ticket point.
    pub fn to_camera(&self, p: V3) -> V3 {
        let c = mul(&self.rot, [p[0], p[1], -p[2]]);
        [c[0] + self.t[0], c[1] + self.t[1], c[2] + self.t[2]]
    }

    /// A ticket-frame direction in camera coordinates.
    pub fn dir_to_camera(&self, d: V3) -> V3 {
        mul(&self.rot, [d[0], d[1], -d[2]])
    }

    /// Pixel position of a ticket point; `None` behind the camera.
    pub fn project(&self, p: V3) -> Option<(f64, f64)> {
        let c = self.to_camera(p);
        (c[2] > 1e-9).then(|| {
            (
                self.f * c[0] / c[2] + self.cx,
                self.f * c[1] / c[2] + self.cy,
            )
        })
    }

    /// Where pixel `(x, y)` meets the flat ticket plane; `None` when the ray misses it.
    pub fn unproject_plane(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let q = mul(&self.h_inv, [x, y, 1.0]);
        // The plane point must lie in front of the camera: its H-image has w > 0.
        let w = q[2];
        if w.abs() < 1e-12 {
            return None;
        }
        let (u, v) = (q[0] / w, q[1] / w);
        let img = mul(&self.h, [u, v, 1.0]);
        (img[2] > 0.0).then_some((u, v))
    }

    /// Jacobian of the plane mapping (ticket plane → pixels) at `(u, v)`.
    pub fn plane_jacobian(&self, u: f64, v: f64) -> [[f64; 2]; 2] {
        let h = &self.h;
        let a = h[0][0] * u + h[0][1] * v + h[0][2];
        let b = h[1][0] * u + h[1][1] * v + h[1][2];
        let c = h[2][0] * u + h[2][1] * v + h[2][2];
        let c2 = c * c;
        [
            [
                (h[0][0] * c - a * h[2][0]) / c2,
                (h[0][1] * c - a * h[2][1]) / c2,
            ],
            [
                (h[1][0] * c - b * h[2][0]) / c2,
                (h[1][1] * c - b * h[2][1]) / c2,
            ],
        ]
    }

    /// The sheet point seen at pixel `(x, y)`: exact inverse homography for a flat
    /// sheet, refined by Newton steps for a curled or folded one.
    pub fn sheet_point(&self, surface: &Surface, x: f64, y: f64) -> Option<(f64, f64)> {
        let (mut u, mut v) = self.unproject_plane(x, y)?;
        if surface.is_flat() {
            return Some((u, v));
        }
        for _ in 0..8 {
            let (px, py) = self.project(surface.point(u, v))?;
            let (ex, ey) = (x - px, y - py);
            if ex * ex + ey * ey < 1e-4 {
                break;
            }
            let j = self.plane_jacobian(u, v);
            let det = j[0][0] * j[1][1] - j[0][1] * j[1][0];
            if det.abs() < 1e-12 {
                return None;
            }
            u += (j[1][1] * ex - j[0][1] * ey) / det;
            v += (-j[1][0] * ex + j[0][0] * ey) / det;
        }
        Some((u, v))
    }
}

/// Rotation by `angle` about the in-plane axis at `axis_angle` from the X axis.
fn rodrigues(axis_angle: f64, angle: f64) -> M3 {
    let k = [axis_angle.cos(), axis_angle.sin(), 0.0];
    let (s, c) = angle.sin_cos();
    let v = 1.0 - c;
    [
        [
            c + k[0] * k[0] * v,
            k[0] * k[1] * v - k[2] * s,
            k[0] * k[2] * v + k[1] * s,
        ],
        [
            k[1] * k[0] * v + k[2] * s,
            c + k[1] * k[1] * v,
            k[1] * k[2] * v - k[0] * s,
        ],
        [
            k[2] * k[0] * v - k[1] * s,
            k[2] * k[1] * v + k[0] * s,
            c + k[2] * k[2] * v,
        ],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::Scene;

    #[test]
    fn untilted_ticket_spans_its_scale() {
        let scene = Scene::flat(1000, 600);
        let cam = Camera::new(&scene).unwrap();
        let (x0, y0) = cam.project([-0.5, 0.0, 0.0]).unwrap();
        let (x1, y1) = cam.project([0.5, 0.0, 0.0]).unwrap();
        assert!(((x1 - x0) - f64::from(scene.scale) * 1000.0).abs() < 1e-6);
        assert!((y0 - 300.0).abs() < 1e-9 && (y1 - 300.0).abs() < 1e-9);
    }

    #[test]
    fn inverse_of_projection_round_trips_with_tilt_and_curl() {
        let mut scene = Scene::flat(1280, 720);
        scene.tilt_deg = 28.0;
        scene.tilt_axis_deg = 35.0;
        scene.rotation_deg = 120.0;
        let curl = Curl { lift: 0.06 };
        let fold = Fold {
            position: 0.6,
            line_angle_deg: 10.0,
            angle_deg: 20.0,
        };
        let cam = Camera::new(&scene).unwrap();
        for surface in [
            Surface::new(None, None),
            Surface::new(Some(&curl), None),
            Surface::new(None, Some(&fold)),
        ] {
            for (u, v) in [(-0.45, -0.25), (0.0, 0.0), (0.4, 0.2), (0.3, -0.1)] {
                let (x, y) = cam.project(surface.point(u, v)).unwrap();
                let (bu, bv) = cam.sheet_point(&surface, x, y).unwrap();
                assert!(
                    (bu - u).abs() < 1e-3 && (bv - v).abs() < 1e-3,
                    "{u},{v} → {bu},{bv}"
                );
            }
        }
    }

    #[test]
    fn curl_and_fold_keep_paper_length() {
        let curl = Surface::new(Some(&Curl { lift: 0.08 }), None);
        let a = curl.point(-0.5, 0.0);
        assert!((a[2] - 0.08).abs() < 1e-6, "edge lift {}", a[2]);
        // Arc length along the curl is preserved: sum of small chords.
        let mut len = 0.0;
        let mut prev = curl.point(-0.5, 0.0);
        for i in 1..=1000 {
            let p = curl.point(-0.5 + f64::from(i) / 1000.0, 0.0);
            len += ((p[0] - prev[0]).powi(2) + (p[2] - prev[2]).powi(2)).sqrt();
            prev = p;
        }
        assert!((len - 1.0).abs() < 1e-4, "{len}");
        let fold = Surface::new(
            None,
            Some(&Fold {
                position: 0.5,
                line_angle_deg: 0.0,
                angle_deg: 30.0,
            }),
        );
        let p = fold.point(0.5, 0.1);
        let d = (p[0] * p[0] + p[2] * p[2]).sqrt();
        assert!((d - 0.5).abs() < 1e-9 && (p[2] - 0.25).abs() < 1e-9);
    }
}
