//! `vrs-camera`: the operator's camera tool.
//!
//! * `vrs-camera --list [--json]` — capture devices, their drivers and formats.
//! * `vrs-camera --grab N OUT [--device PATH] [--width W --height H] [--fps F]
//!   [--replay DIR] [--raw]` — writes N gray frames as PGM files (OUT is a directory, or a
//!   file pattern containing `{n}`), or with `--raw` appends them to the file OUT as raw
//!   GREY frames that `ReplaySource::from_raw` plays back.
//! * `vrs-camera --controls [--device PATH]` — the controls a device offers.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use vrs_device::camera::{CameraError, Frame, FrameSource, ReplaySource};

#[derive(Parser, Debug)]
#[command(
    name = "vrs-camera",
    about = "Kiosk camera tool: list devices, grab frames"
)]
struct Args {
    /// List video capture devices.
    #[arg(long, conflicts_with_all = ["grab", "controls"])]
    list: bool,
    /// With --list: the directory whose `video*` nodes are listed.
    #[arg(long, value_name = "DIR", default_value = "/dev", requires = "list")]
    dev_dir: PathBuf,
    /// With --list or --controls: print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Grab N frames into OUT (a directory, or a pattern with `{n}`).
    #[arg(long, num_args = 2, value_names = ["N", "OUT"], conflicts_with = "controls")]
    grab: Option<Vec<String>>,
    /// List the controls of the device.
    #[arg(long)]
    controls: bool,
    /// Device node (default: the first capture device with a usable format).
    #[arg(long)]
    device: Option<PathBuf>,
    /// Requested width (the driver may choose another).
    #[arg(long, default_value_t = 1280)]
    width: u32,
    /// Requested height.
    #[arg(long, default_value_t = 720)]
    height: u32,
    /// Requested frame rate.
    #[arg(long, default_value_t = 30)]
    fps: u32,
    /// Take frames from a directory of images instead of a camera.
    #[arg(long, conflicts_with = "device")]
    replay: Option<PathBuf>,
    /// With --grab: append raw GREY frames to the file OUT instead of writing PGM files.
    #[arg(long, requires = "grab")]
    raw: bool,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let args = Args::parse();
    let result = if args.list {
        list(&args.dev_dir, args.json)
    } else if let Some(grab) = &args.grab {
        run_grab(&args, grab)
    } else if args.controls {
        controls(&args)
    } else {
        eprintln!(
            "--list、--grab N OUT、--controls のいずれかを指定してください (--help で使い方を表示)。"
        );
        return ExitCode::from(2);
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("エラー: {e:#}");
            ExitCode::FAILURE
        }
    }
}

const NO_CAMERA: &str = "カメラが見つかりません。カメラの USB ケーブルを差し直し、\
     `vrs-camera --list` をもう一度実行してください。直らない場合はヘルプデスクへ連絡してください。";

#[cfg(feature = "v4l2")]
fn list(dev_dir: &std::path::Path, json: bool) -> Result<()> {
    let devices = vrs_device::camera::list_devices_in(dev_dir);
    if json {
        println!("{}", serde_json::to_string_pretty(&devices)?);
    } else {
        for d in &devices {
            let formats: Vec<String> = d
                .formats
                .iter()
                .map(|f| {
                    if f.usable {
                        f.fourcc.clone()
                    } else {
                        format!("({})", f.fourcc)
                    }
                })
                .collect();
            println!(
                "{}\t{}\t{}\t{}\t{}",
                d.path.display(),
                d.driver,
                d.card,
                d.bus,
                formats.join(",")
            );
        }
    }
    if devices.is_empty() {
        bail!("{NO_CAMERA}");
    }
    if !devices.iter().any(|d| d.usable()) {
        bail!(
            "カメラはありますが、読み取りに使える画素形式 (GREY, YUYV, MJPEG など) を出していません。対応カメラに交換してください。"
        );
    }
    Ok(())
}

#[cfg(not(feature = "v4l2"))]
fn list(_dev_dir: &std::path::Path, _json: bool) -> Result<()> {
    bail!("この vrs-camera は V4L2 なしでビルドされています (cargo feature `v4l2`)。{NO_CAMERA}")
}

#[cfg(feature = "v4l2")]
fn controls(args: &Args) -> Result<()> {
    use vrs_device::camera::{DeviceControls, list_devices};
    let path = match &args.device {
        Some(p) => p.clone(),
        None => list_devices()
            .into_iter()
            .next()
            .map(|d| d.path)
            .context(NO_CAMERA)?,
    };
    let list = DeviceControls::open(&path)
        .and_then(|c| c.list())
        .map_err(describe_camera_error)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        for c in list {
            println!(
                "{:#010x}\t{}\t{:?}\t{}..={} step {} default {}",
                c.id, c.name, c.kind, c.minimum, c.maximum, c.step, c.default
            );
        }
    }
    Ok(())
}

#[cfg(not(feature = "v4l2"))]
fn controls(_args: &Args) -> Result<()> {
    bail!("この vrs-camera は V4L2 なしでビルドされています (cargo feature `v4l2`)。")
}

fn open_source(args: &Args) -> Result<Box<dyn FrameSource>> {
    if let Some(dir) = &args.replay {
        let source = ReplaySource::from_dir(dir, 0.0, false).map_err(describe_camera_error)?;
        return Ok(Box::new(source));
    }
    open_camera(args)
}

#[cfg(feature = "v4l2")]
fn open_camera(args: &Args) -> Result<Box<dyn FrameSource>> {
    use vrs_device::camera::{V4l2Config, V4l2Source};
    let config = V4l2Config {
        device: args.device.clone(),
        width: args.width,
        height: args.height,
        fps: args.fps,
        ..V4l2Config::default()
    };
    let source = V4l2Source::open(&config).map_err(describe_camera_error)?;
    Ok(Box::new(source))
}

#[cfg(not(feature = "v4l2"))]
fn open_camera(_args: &Args) -> Result<Box<dyn FrameSource>> {
    bail!("この vrs-camera は V4L2 なしでビルドされています。--replay DIR を使ってください。")
}

/// Turns a camera error into an operator message that says what to do.
fn describe_camera_error(e: CameraError) -> anyhow::Error {
    let advice = match &e {
        CameraError::NoDevice(_) => NO_CAMERA,
        CameraError::Busy { .. } => {
            "カメラを別のプログラムが使っています。キオスクアプリを停止してからもう一度実行してください。"
        }
        CameraError::Disconnected { .. } => {
            "カメラとの接続が切れました。USB ケーブルを確認して、もう一度実行してください。"
        }
        CameraError::Format(_) => {
            "カメラが読み取りに使える画素形式を出していません。対応カメラに交換してください。"
        }
        CameraError::Recording { .. } => {
            "録画フォルダを読めません。パスと画像ファイル (PNG, PGM, JPEG) を確認してください。"
        }
        _ => "カメラを使えません。もう一度実行し、直らない場合はヘルプデスクへ連絡してください。",
    };
    anyhow::anyhow!("{advice} (詳細: {e})")
}

fn run_grab(args: &Args, grab: &[String]) -> Result<()> {
    let [count, out] = grab else {
        bail!("--grab には枚数と出力先の 2 つを指定してください。");
    };
    let count: u64 = count
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .with_context(|| format!("枚数 {count:?} は 1 以上の整数で指定してください。"))?;
    let mut source = open_source(args)?;
    eprintln!("取得元: {}", source.describe());
    let mut sink = Sink::new(Path::new(out), args.raw)?;
    let mut taken = 0u64;
    let mut problems = 0u32;
    while taken < count {
        match source.next_frame(Duration::from_secs(2)) {
            Ok(frame) => {
                let path = sink.write(taken, &frame)?;
                eprintln!(
                    "{} ({}x{})",
                    path.display(),
                    frame.image.width(),
                    frame.image.height()
                );
                taken += 1;
            }
            Err(CameraError::EndOfStream) => {
                bail!("録画の終わりに達しました ({taken} 枚を保存)。枚数を減らしてください。")
            }
            Err(e) if e.is_transient() && problems < 10 => {
                problems += 1;
                log::warn!("frame skipped: {e}");
            }
            Err(e) => return Err(describe_camera_error(e)),
        }
    }
    sink.finish()?;
    eprintln!("{taken} 枚を保存しました。");
    Ok(())
}

/// Where grabbed frames go.
enum Sink {
    /// PGM files named by a pattern with `{n}`.
    Pattern(String),
    /// PGM files in a directory.
    Dir(PathBuf),
    /// One raw file, frames back to back.
    Raw {
        path: PathBuf,
        writer: BufWriter<File>,
        size: Option<(u32, u32)>,
    },
}

impl Sink {
    fn new(out: &Path, raw: bool) -> Result<Self> {
        if raw {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(out)
                .with_context(|| format!("{} を書き込み用に開けません。", out.display()))?;
            return Ok(Self::Raw {
                path: out.to_path_buf(),
                writer: BufWriter::new(file),
                size: None,
            });
        }
        let text = out.to_string_lossy();
        if text.contains("{n}") {
            return Ok(Self::Pattern(text.into_owned()));
        }
        std::fs::create_dir_all(out)
            .with_context(|| format!("フォルダ {} を作れません。", out.display()))?;
        Ok(Self::Dir(out.to_path_buf()))
    }

    fn write(&mut self, index: u64, frame: &Frame) -> Result<PathBuf> {
        let (w, h) = (frame.image.width(), frame.image.height());
        let path = match self {
            Self::Pattern(p) => PathBuf::from(p.replace("{n}", &format!("{index:06}"))),
            Self::Dir(d) => d.join(format!("frame-{index:06}.pgm")),
            Self::Raw { path, writer, size } => {
                if let Some(first) = size
                    && *first != (w, h)
                {
                    bail!(
                        "フレームの大きさが途中で変わりました ({}x{} → {w}x{h})。raw 形式では保存できません。",
                        first.0,
                        first.1
                    );
                }
                *size = Some((w, h));
                writer.write_all(frame.image.pixels())?;
                return Ok(path.clone());
            }
        };
        let mut out = BufWriter::new(
            File::create(&path).with_context(|| format!("{} を作れません。", path.display()))?,
        );
        write!(out, "P5\n{w} {h}\n255\n")?;
        out.write_all(frame.image.pixels())?;
        out.flush()?;
        Ok(path)
    }

    fn finish(self) -> Result<()> {
        if let Self::Raw {
            path, mut writer, ..
        } = self
        {
            writer
                .flush()
                .with_context(|| format!("{} に書き込めません。", path.display()))?;
        }
        Ok(())
    }
}
