//! Why generating a ticket or a frame failed.

use std::path::PathBuf;

/// Everything that can go wrong while generating tickets and frames.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// A font file is not installed.
    #[error(
        "フォント {path} がありません。Debian パッケージ {package} をインストールしてください(apt-get install {package})"
    )]
    FontMissing {
        /// Where the font was looked for.
        path: PathBuf,
        /// The Debian package that provides it.
        package: &'static str,
    },
    /// A font file exists but cannot be read or parsed.
    #[error(
        "フォント {path} を読み込めません({reason})。ファイルを確認するか {package} を再インストールしてください"
    )]
    FontInvalid {
        /// The font file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
        /// The Debian package that provides it.
        package: &'static str,
    },
    /// A character that NW-7 (Codabar) cannot carry.
    #[error(
        "NW-7 で表せない文字「{found}」が{position}文字目にあります(使えるのは 0–9 - $ : / . + と A–D)"
    )]
    Nw7Unencodable {
        /// 1-based position in the data.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// Start/stop characters other than A–D.
    #[error("NW-7 のスタート/ストップ文字は A–D のいずれかです(「{found}」は使えません)")]
    Nw7StartStop {
        /// The offending character.
        found: char,
    },
    /// The QR encoder refused the payload.
    #[error("QR コードを作れません: {0}")]
    Qr(String),
    /// A resolution, size or count that cannot be rendered.
    #[error("描画できない設定です: {0}")]
    Parameter(String),
    /// Encoding or decoding an image failed.
    #[error("画像の変換に失敗しました: {0}")]
    Image(#[from] image::ImageError),
}
