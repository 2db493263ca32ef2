//! The server process: bad clients, restarts, unreachable and unsupported databases.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use vrs_protocol::wire::CHECK_IN_PATH;
use vrs_provisioning::server::{ServerConfig, start};

use crate::fixture::{Fixture, agent, heartbeat, post};

#[test]
fn bad_clients_do_not_disturb_the_server() {
    let fx = Fixture::new();
    // Garbage instead of a TLS ClientHello.
    let mut raw = TcpStream::connect(fx.server.local_addr()).unwrap();
    raw.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\x02garbage")
        .unwrap();
    let mut sink = Vec::new();
    let _ = raw.read_to_end(&mut sink);
    // A client that connects and says nothing while others are served.
    let _silent = TcpStream::connect(fx.server.local_addr()).unwrap();
    // Plain HTTP to the TLS port.
    let plain = ureq::get(&format!("http://{}/v1/enroll", fx.server.local_addr())).call();
    assert!(plain.is_err());

    let identity = fx.enrolled("SN-0003");
    let (status, _) = post(
        &fx.agent(Some(&identity)),
        &fx.url(CHECK_IN_PATH),
        &heartbeat(),
    );
    assert_eq!(status, 200);
}

#[test]
fn server_restarts_with_the_same_ca_and_data() {
    let fx = Fixture::new();
    let identity = fx.active("SN-0007");
    let ca = fx.server.ca_pem();
    let Fixture { dir, db, server } = fx;
    server.shutdown();
    let again = start(ServerConfig {
        db: db.clone(),
        listen: "127.0.0.1:0".parse().unwrap(),
        state_dir: dir.path().join("state"),
        hostnames: vec!["backoffice.test".into()],
    })
    .unwrap();
    assert_eq!(again.ca_pem(), ca);
    let url = format!(
        "https://127.0.0.1:{}{CHECK_IN_PATH}",
        again.local_addr().port()
    );
    let (status, body) = post(&agent(&ca, Some(&identity)), &url, &heartbeat());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["lifecycle"], "active");
}

#[test]
fn unreachable_and_unsupported_databases_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let config = |db: &str| ServerConfig {
        db: db.into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        state_dir: dir.path().join("state"),
        hostnames: vec![],
    };
    // Nothing listens on port 1: the refusal says where it tried and what to check.
    let err = start(config("postgres://vrs:secret@127.0.0.1:1/vrs")).unwrap_err();
    assert!(
        matches!(
            err,
            vrs_provisioning::server::ServerError::Store(
                vrs_provisioning::store::StoreError::PostgresUnreachable { .. }
            )
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("postgres://vrs:***@127.0.0.1:1/vrs"),
        "{text}"
    );
    assert!(text.contains("サーバーが起動しているか"), "{text}");
    assert!(!text.contains("secret"), "{text}");
    assert!(!format!("{err:?}").contains("secret"), "{err:?}");
    let err = start(config("mysql://db/vrs")).unwrap_err();
    assert!(err.to_string().contains("sqlite:"), "{err}");
    assert!(
        !Path::new(&dir.path().join("state"))
            .join("ca.key.pem")
            .exists()
    );
}
