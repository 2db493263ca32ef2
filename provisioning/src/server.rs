//! The device API server: TLS accept loop on its own thread and tokio runtime.
//!
//! ```no_run
//! use vrs_provisioning::server::{ServerConfig, start};
//! let server = start(ServerConfig {
//!     db: "sqlite:/var/lib/vrs/backoffice.db".into(),
//!     listen: "127.0.0.1:0".parse().unwrap(),
//!     state_dir: "/var/lib/vrs/state".into(),
//!     hostnames: vec![],
//! })?;
//! println!("listening on {}", server.local_addr());
//! server.shutdown();
//! # Ok::<(), vrs_provisioning::error::ServerError>(())
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::api::{self, AppState};
use crate::ca::CertificateAuthority;
pub use crate::error::ServerError;
use crate::store;
use crate::tls::{self, ClientCertificate};

/// How long a connection may take to send a request's headers (also the idle limit of
/// a kept-alive connection).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Most connections served at once; further clients wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 1024;
/// How long a graceful shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What `serve` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// `sqlite:PATH` or `postgres://USER@HOST:PORT/DATABASE` (see [`store::open`]).
    pub db: String,
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where the CA and the server certificate live.
    pub state_dir: PathBuf,
    /// Extra host names for the server certificate.
    pub hostnames: Vec<String>,
}

/// A server running on its own thread. Dropping it stops it too.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    ca_pem: String,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl RunningServer {
    /// The address the server listens on (the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The CA certificate, PEM: the root a client must trust.
    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// Stops accepting, lets requests in flight finish (up to [`SHUTDOWN_GRACE`]) and
    /// joins the server thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    /// Blocks until the server thread ends: after [`Stopper::stop`] was called from
    /// another thread (see [`RunningServer::stopper`]).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            log::error!("server thread panicked");
        }
    }

    fn stop_and_join(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            log::error!("server thread panicked");
        }
    }

    /// A handle that stops the server from another thread (e.g. a signal handler).
    pub fn stopper(&self) -> Stopper {
        Stopper(self.stop.clone())
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Stops a [`RunningServer`] from anywhere.
#[derive(Debug, Clone)]
pub struct Stopper(watch::Sender<bool>);

impl Stopper {
    /// Asks the server to shut down gracefully.
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

/// Opens the database, loads or creates the CA and server certificate, binds `listen`
/// and starts serving on a new thread. Returns once the socket is listening.
pub fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let repo = store::open(&config.db)?;
    let ca = CertificateAuthority::load_or_create(&config.state_dir)?;
    let identity = ca.server_identity(&config.hostnames)?;
    let tls_config = tls::server_config(identity, ca.ca_der())?;
    let ca_pem = ca.ca_pem().to_owned();
    let state = AppState {
        repo,
        ca: Arc::new(ca),
        master: vrs_protocol::MasterList::embedded(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("vrs-backoffice")
        .enable_all()
        .build()
        .map_err(ServerError::Runtime)?;
    let std_listener =
        std::net::TcpListener::bind(config.listen).map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
    let local_addr = std_listener.local_addr().map_err(ServerError::Runtime)?;
    std_listener
        .set_nonblocking(true)
        .map_err(ServerError::Runtime)?;
    let listener = {
        let _guard = runtime.enter();
        TcpListener::from_std(std_listener).map_err(ServerError::Runtime)?
    };
    let (stop, stopped) = watch::channel(false);
    let acceptor = TlsAcceptor::from(tls_config);
    let router = api::router(state);
    let thread = std::thread::Builder::new()
        .name("vrs-backoffice-main".into())
        .spawn(move || {
            runtime.block_on(accept_loop(listener, acceptor, router, stopped));
            runtime.shutdown_timeout(Duration::from_secs(1));
        })
        .map_err(ServerError::Runtime)?;
    log::info!("device API listening on https://{local_addr}");
    Ok(RunningServer {
        local_addr,
        ca_pem,
        stop,
        thread: Some(thread),
    })
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    router: axum::Router,
    mut stopped: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = stopped.changed() => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => break,
        };
        // Reap finished connection tasks so the set does not grow.
        while connections.try_join_next().is_some() {}
        let (stream, peer_addr) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                log::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        let stopped = stopped.clone();
        connections.spawn(async move {
            let _permit = permit;
            serve_connection(stream, peer_addr, acceptor, router, stopped).await;
        });
    }
    drop(listener);
    log::info!(
        "device API stopping: waiting for {} connection(s)",
        connections.len()
    );
    if tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await
    .is_err()
    {
        log::warn!("connections still open after {SHUTDOWN_GRACE:?}: closing them");
        connections.abort_all();
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer_addr: SocketAddr,
    acceptor: TlsAcceptor,
    router: axum::Router,
    mut stopped: watch::Receiver<bool>,
) {
    let handshake = tokio::select! {
        handshake = tls::accept(&acceptor, stream) => handshake,
        _ = stopped.changed() => return,
    };
    let (tls_stream, client_cert) = match handshake {
        Ok(pair) => pair,
        Err(e) => {
            log::info!("connection from {peer_addr} dropped: {e}");
            return;
        }
    };
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        if let Some(cert) = &client_cert {
            request
                .extensions_mut()
                .insert::<ClientCertificate>(cert.clone());
        }
        router.clone().oneshot(request)
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(tls_stream), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        _ = stopped.changed() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = result {
        log::debug!("connection from {peer_addr} ended: {e}");
    }
}
