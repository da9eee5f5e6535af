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

use crate::SetupError;

/// The acceptor for the config's certificate and key, or why not, naming
/// the file at fault.
pub fn acceptor(tls: &ponte_config::Tls) -> Result<TlsAcceptor, SetupError> {
    let file_error =
        |key, path: &std::path::Path, reason: String| SetupError::TlsFile { key, path: path.to_owned(), reason };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&tls.cert_file)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| file_error("server.tls_cert_file", &tls.cert_file, e.to_string()))?;
    if certs.is_empty() {
        return Err(file_error("server.tls_cert_file", &tls.cert_file, "no certificate in it".to_owned()));
    }
    let key = PrivateKeyDer::from_pem_file(&tls.key_file)
        .map_err(|e| file_error("server.tls_key_file", &tls.key_file, e.to_string()))?;
    let pair_error = |source| SetupError::TlsPair { cert: tls.cert_file.clone(), key: tls.key_file.clone(), source };
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(pair_error)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(pair_error)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
