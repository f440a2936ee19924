//! X.509 client certificates, as the apiserver's x509 authenticator reads them: the subject's
//! CommonName is the user name (a certificate without one does not authenticate), each
//! Organization is a group, in the order written. With a client CA bundle (`--ca`), the
//! certificate must chain to it, be within its validity period (every certificate of the
//! chain) and allow client authentication, or it does not authenticate.

use std::sync::Arc;

use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::pem::Pem;
use x509_parser::prelude::FromDer;
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use super::{Identity, Method, format_time};
use crate::source::{Diagnostic, Location};

/// The DER certificates of a PEM bundle, and the file they came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaBundle {
    pub file: String,
    pub certificates: Vec<Vec<u8>>,
}

impl CaBundle {
    /// Reads a PEM bundle of CA certificates (`--ca`, `certificate-authority`).
    pub fn read(path: &str) -> Result<CaBundle, Diagnostic> {
        let bytes = crate::authn::read_bytes(path).map_err(|e| super::file_error(path, &e))?;
        let location = Location::new(Arc::from(path), 0, 0);
        let certificates = pem_blocks(&bytes, "CERTIFICATE", &location)?;
        for der in &certificates {
            parse_certificate(der, &location)?;
        }
        Ok(CaBundle {
            file: path.to_string(),
            certificates,
        })
    }
}

/// The DER contents of every PEM block labelled `label`; an error when there is none or one is
/// broken. `location` is where the PEM text was read.
pub fn pem_blocks(
    bytes: &[u8],
    label: &str,
    location: &Location,
) -> Result<Vec<Vec<u8>>, Diagnostic> {
    let mut blocks = Vec::new();
    for block in Pem::iter_from_buffer(bytes) {
        match block {
            Ok(pem) if pem.label == label => blocks.push(pem.contents),
            Ok(_) => {}
            Err(e) => {
                return Err(Diagnostic::error(
                    location.clone(),
                    format!("invalid PEM data: {e}"),
                ));
            }
        }
    }
    if blocks.is_empty() {
        return Err(Diagnostic::error(
            location.clone(),
            format!("no PEM block `{label}` found"),
        ));
    }
    Ok(blocks)
}

fn parse_certificate<'a>(
    der: &'a [u8],
    location: &Location,
) -> Result<X509Certificate<'a>, Diagnostic> {
    X509Certificate::from_der(der)
        .map(|(_, c)| c)
        .map_err(|e| Diagnostic::error(location.clone(), format!("invalid certificate: {e}")))
}

/// A distinguished-name attribute as Go's crypto/x509 decodes it: the string types it knows
/// (UTF8, Printable, IA5, Numeric, T61 as Latin-1, BMP as UTF-16), or nothing.
fn attribute_text(attribute: &AttributeTypeAndValue<'_>) -> Option<String> {
    if let Ok(s) = attribute.as_str() {
        return Some(s.to_string());
    }
    let value = attribute.attr_value();
    let data = value.data;
    match value.tag() {
        Tag::BmpString => {
            let units: Vec<u16> = data
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16(&units).ok()
        }
        Tag::T61String => Some(data.iter().map(|&b| char::from(b)).collect()),
        _ => None,
    }
}

/// The subject's user and groups: the last CommonName (Go keeps the last one it reads) and every
/// Organization in order.
pub fn subject_identity(name: &X509Name<'_>) -> (Option<String>, Vec<String>) {
    let common_name = name.iter_common_name().filter_map(attribute_text).last();
    let organizations = name
        .iter_organization()
        .filter_map(attribute_text)
        .collect();
    (common_name, organizations)
}

/// Authenticates the first certificate of a PEM file (the rest are intermediates). `location`
/// is where the PEM text was read, `source` how the report names it.
pub fn authenticate_pem(
    pem: &[u8],
    location: &Location,
    source: &str,
    ca: Option<&CaBundle>,
    now: i64,
) -> Result<Identity, Diagnostic> {
    let blocks = pem_blocks(pem, "CERTIFICATE", location)?;
    authenticate_der(&blocks, location, source, ca, now)
}

/// Authenticates a DER chain (leaf first).
pub fn authenticate_der(
    chain: &[Vec<u8>],
    location: &Location,
    source: &str,
    ca: Option<&CaBundle>,
    now: i64,
) -> Result<Identity, Diagnostic> {
    let Some(leaf_der) = chain.first() else {
        return Err(Diagnostic::error(location.clone(), "no certificate found"));
    };
    let leaf = parse_certificate(leaf_der, location)?;
    let (common_name, organizations) = subject_identity(leaf.subject());
    let mut identity = Identity::new(
        Method::ClientCertificate,
        source,
        common_name.clone().unwrap_or_default(),
    );
    identity.groups = organizations;
    identity.detail("subject", leaf.subject().to_string());
    identity.detail("issuer", leaf.issuer().to_string());
    let not_before = leaf.validity().not_before.timestamp();
    let not_after = leaf.validity().not_after.timestamp();
    identity.detail("not before", format_time(not_before));
    identity.detail("not after", format_time(not_after));
    identity.detail("serial", leaf.raw_serial_as_string());
    let expired = now > not_after;
    let premature = now < not_before;
    if common_name.as_deref().unwrap_or("").is_empty() {
        identity.rejected = Some(
            "the certificate's subject has no CommonName, so the x509 authenticator does not accept it"
                .into(),
        );
    }
    match ca {
        None => {
            identity
                .warnings
                .push("the certificate was not verified (pass --ca FILE to check it against the cluster's client CA)".into());
            if expired {
                identity.warnings.push(format!(
                    "the certificate expired at {}",
                    format_time(not_after)
                ));
            } else if premature {
                identity.warnings.push(format!(
                    "the certificate is not valid before {}",
                    format_time(not_before)
                ));
            }
        }
        Some(bundle) => {
            if let Err(reason) = verify_chain(&leaf, &chain[1..], bundle, now, location) {
                identity.rejected.get_or_insert(reason);
            } else {
                identity.detail("verified", format!("chains to {}", bundle.file));
            }
        }
    }
    Ok(identity)
}

/// Go's `Certificate.Verify` with the client CA as roots and the client-auth key usage, for
/// the cases a client certificate meets: every certificate of the chain valid at `now`, each
/// signed by the next, the last by a CA of the bundle, and the leaf usable for client auth.
fn verify_chain(
    leaf: &X509Certificate<'_>,
    intermediates: &[Vec<u8>],
    bundle: &CaBundle,
    now: i64,
    location: &Location,
) -> Result<(), String> {
    let in_validity = |c: &X509Certificate<'_>| {
        let from = c.validity().not_before.timestamp();
        let to = c.validity().not_after.timestamp();
        if now > to {
            Err(format!(
                "certificate has expired or is not yet valid: the certificate of {} expired at {}",
                c.subject(),
                format_time(to)
            ))
        } else if now < from {
            Err(format!(
                "certificate has expired or is not yet valid: the certificate of {} is not valid before {}",
                c.subject(),
                format_time(from)
            ))
        } else {
            Ok(())
        }
    };
    in_validity(leaf)?;
    if let Ok(Some(usage)) = leaf.extended_key_usage() {
        let usage = usage.value;
        if !usage.any && !usage.client_auth {
            return Err(
                "certificate specifies an incompatible key usage: it does not allow client authentication"
                    .into(),
            );
        }
    }
    let roots: Vec<X509Certificate<'_>> = bundle
        .certificates
        .iter()
        .filter_map(|der| parse_certificate(der, location).ok())
        .collect();
    let intermediates: Vec<X509Certificate<'_>> = intermediates
        .iter()
        .filter_map(|der| parse_certificate(der, location).ok())
        .collect();
    let mut current = leaf;
    // A chain longer than the certificates given cannot be new; this bounds the walk.
    for _ in 0..=intermediates.len() {
        let signed_by = |issuer: &X509Certificate<'_>| {
            issuer.subject().as_raw() == current.issuer().as_raw()
                && current.verify_signature(Some(issuer.public_key())).is_ok()
        };
        if let Some(root) = roots.iter().find(|r| signed_by(r)) {
            return in_validity(root);
        }
        match intermediates.iter().find(|i| signed_by(i)) {
            Some(next) => {
                in_validity(next)?;
                current = next;
            }
            None => break,
        }
    }
    Err(format!(
        "certificate signed by unknown authority: no certificate of {} signed {}",
        bundle.file,
        current.subject()
    ))
}
