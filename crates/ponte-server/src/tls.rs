//! HTTPS served by ponte itself (`server.tls_cert_file`,
//! `server.tls_key_file`): rustls over the PEM files, HTTP/1.1 only.
//! Looker's Embed SDK 2.x always loads `https://<host>`, and one machine
//! should not need a proxy in front just for TLS.

use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;

/// The acceptor for the config's certificate and key, or why not, naming
/// the file at fault.
pub fn acceptor(tls: &ponte_config::Tls) -> Result<TlsAcceptor, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&tls.cert_file)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| format!("server.tls_cert_file {}: {e}", tls.cert_file.display()))?;
    if certs.is_empty() {
        return Err(format!("server.tls_cert_file {}: no certificate in it", tls.cert_file.display()));
    }
    let key = PrivateKeyDer::from_pem_file(&tls.key_file)
        .map_err(|e| format!("server.tls_key_file {}: {e}", tls.key_file.display()))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            format!(
                "server.tls_cert_file {} and server.tls_key_file {} do not make a certificate: {e}",
                tls.cert_file.display(),
                tls.key_file.display()
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
