//! Errors of starting the server.

use std::net::SocketAddr;

use crate::ca::CaError;
use crate::store::StoreError;
use crate::tls::TlsError;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The CA or the server certificate cannot be loaded or created.
    #[error(transparent)]
    Ca(#[from] CaError),
    /// The TLS configuration cannot be built.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The listening address cannot be bound.
    #[error(
        "{addr} で待ち受けできません: {source}。ポートが使用中でないか、権限を確認してください"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The async runtime or the server thread cannot be started.
    #[error("サーバーの実行環境を起動できません: {0}")]
    Runtime(std::io::Error),
}
