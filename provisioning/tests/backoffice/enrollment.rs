//! Enrollment and the certificates of the device endpoints.

use rcgen::KeyPair;
use vrs_protocol::wire::{CHECK_IN_PATH, ENROLL_PATH, EnrollRequest, EnrollResponse, RECORDS_PATH};

use crate::fixture::{
    Fixture, IMEI, Identity, OTHER_IMEI, assert_api_error, csr, heartbeat, post, post_raw,
};

#[test]
fn enroll_requires_a_registered_serial_and_its_imei() {
    let fx = Fixture::new();
    let agent = fx.agent(None);
    let key = KeyPair::generate().unwrap();
    let request = |imei: &str| EnrollRequest {
        serial: "SN-0001".into(),
        imei: imei.into(),
        csr_pem: csr(&key, "SN-0001"),
    };

    let (status, body) = post(&agent, &fx.url(ENROLL_PATH), &request(IMEI));
    assert_eq!(status, 403);
    assert_api_error(&body, "unknown_device");
    assert!(
        body["message"].as_str().unwrap().contains("物流担当"),
        "{body}"
    );

    fx.cli(&["device", "register", "--serial", "SN-0001", "--imei", IMEI])
        .unwrap();
    let (status, body) = post(&agent, &fx.url(ENROLL_PATH), &request(OTHER_IMEI));
    assert_eq!(status, 403);
    assert_api_error(&body, "imei_mismatch");

    let (status, body) = post(
        &agent,
        &fx.url(ENROLL_PATH),
        &EnrollRequest {
            csr_pem:
                "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
                    .into(),
            ..request(IMEI)
        },
    );
    assert_eq!(status, 400);
    assert_api_error(&body, "bad_csr");

    let (status, body) = post(&agent, &fx.url(ENROLL_PATH), &request(IMEI));
    assert_eq!(status, 200, "{body}");
    let response: EnrollResponse = serde_json::from_value(body).unwrap();
    assert_eq!(response.ca_pem, fx.server.ca_pem());

    // The certificate chains to the CA and names the serial.
    let cert_der =
        rustls_pki_types::pem::PemObject::from_pem_slice(response.certificate_pem.as_bytes())
            .map(|c: rustls_pki_types::CertificateDer<'static>| c)
            .unwrap();
    let ca_der: rustls_pki_types::CertificateDer<'static> =
        rustls_pki_types::pem::PemObject::from_pem_slice(response.ca_pem.as_bytes()).unwrap();
    let (_, cert) = x509_parser::parse_x509_certificate(&cert_der).unwrap();
    let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
    cert.verify_signature(Some(ca.public_key())).unwrap();
    assert_eq!(cert.issuer(), ca.subject());
    assert_eq!(
        cert.subject()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap(),
        "SN-0001"
    );
    assert_eq!(
        ca.subject()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap(),
        "vrs-kiosk back office CA"
    );

    // The answer may have been lost on the way (LTE drop): until the tablet checks in with
    // its certificate, enrolling again with a fresh key replaces the unused certificate.
    let lost = Identity {
        cert_pem: response.certificate_pem.clone(),
        key_pem: key.serialize_pem(),
    };
    let fresh = KeyPair::generate().unwrap();
    let (status, body) = post(
        &agent,
        &fx.url(ENROLL_PATH),
        &EnrollRequest {
            csr_pem: csr(&fresh, "SN-0001"),
            ..request(IMEI)
        },
    );
    assert_eq!(status, 200, "{body}");
    let retried: EnrollResponse = serde_json::from_value(body).unwrap();
    let current = Identity {
        cert_pem: retried.certificate_pem,
        key_pem: fresh.serialize_pem(),
    };
    let (status, body) = post(&fx.agent(Some(&lost)), &fx.url(CHECK_IN_PATH), &heartbeat());
    assert_eq!(status, 403, "the replaced certificate is dead: {body}");
    assert_api_error(&body, "unknown_certificate");
    let (status, body) = post(
        &fx.agent(Some(&current)),
        &fx.url(CHECK_IN_PATH),
        &heartbeat(),
    );
    assert_eq!(status, 200, "{body}");

    // Once the certificate was used, enrolling again is refused.
    let (status, body) = post(&agent, &fx.url(ENROLL_PATH), &request(IMEI));
    assert_eq!(status, 409);
    assert_api_error(&body, "already_enrolled");

    let list = fx.cli(&["device", "list"]).unwrap();
    assert!(
        list.contains("SN-0001") && list.contains("awaiting_activation"),
        "{list}"
    );
    let audit = fx.cli(&["audit", "list"]).unwrap();
    assert!(
        audit.contains("device.enroll") && audit.contains("device.register"),
        "{audit}"
    );
}

#[test]
fn device_endpoints_need_a_known_certificate_of_our_ca() {
    let fx = Fixture::new();

    // No certificate → 401 with an ApiError, even before the body is read.
    let (status, body) = post(&fx.agent(None), &fx.url(CHECK_IN_PATH), &heartbeat());
    assert_eq!(status, 401);
    assert_api_error(&body, "client_certificate_required");
    let (status, body) = post_raw(&fx.agent(None), &fx.url(RECORDS_PATH), "{");
    assert_eq!(status, 401);
    assert_api_error(&body, "client_certificate_required");

    // A certificate of another CA → the handshake is refused.
    let foreign_dir = tempfile::tempdir().unwrap();
    let foreign =
        vrs_provisioning::ca::CertificateAuthority::load_or_create(foreign_dir.path()).unwrap();
    let key = KeyPair::generate().unwrap();
    let foreign_identity = Identity {
        cert_pem: foreign
            .sign_device_csr(&csr(&key, "SN-X"), "SN-X")
            .unwrap()
            .pem,
        key_pem: key.serialize_pem(),
    };
    let result = fx
        .agent(Some(&foreign_identity))
        .post(&fx.url(CHECK_IN_PATH))
        .send_json(heartbeat());
    // Same CA name, other key: the server's verifier rejects the signature and closes the
    // connection (the client sees the alert or a broken pipe, depending on timing).
    let error = result.expect_err("foreign certificate accepted");
    assert!(matches!(error, ureq::Error::Io(_)), "{error:?}");

    // A certificate of our CA that no device holds → 403.
    let ours = vrs_provisioning::ca::CertificateAuthority::load_or_create(&fx.state_dir()).unwrap();
    let key = KeyPair::generate().unwrap();
    let stray = Identity {
        cert_pem: ours
            .sign_device_csr(&csr(&key, "SN-Y"), "SN-Y")
            .unwrap()
            .pem,
        key_pem: key.serialize_pem(),
    };
    let (status, body) = post(
        &fx.agent(Some(&stray)),
        &fx.url(CHECK_IN_PATH),
        &heartbeat(),
    );
    assert_eq!(status, 403);
    assert_api_error(&body, "unknown_certificate");

    // Unknown paths and methods answer with ApiError bodies too.
    let (status, body) = post(&fx.agent(None), &fx.url("/v1/nothing"), &heartbeat());
    assert_eq!(status, 404);
    assert_api_error(&body, "not_found");
}
