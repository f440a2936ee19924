//! CertificateSigningRequests (`certificates.k8s.io/v1`) in the input: the identity a
//! certificate issued for one would carry — the CommonName and Organizations of the PKCS#10
//! request in `spec.request` — with its signer and usages, so access can be answered before
//! the request is approved. The loader counts these objects as other kinds, so their
//! documents are read again here from the loaded source texts.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer;

use super::x509::{pem_blocks, subject_identity};
use super::{Identity, Method};
use crate::manifest::{Loaded, WalkOptions, walk};
use crate::source::{Diagnostic, Location, PathSegment};

const KIND: &str = "CertificateSigningRequest";

/// Signers whose certificates the apiserver trusts for client authentication.
const CLIENT_SIGNERS: &[&str] = &[
    "kubernetes.io/kube-apiserver-client",
    "kubernetes.io/kube-apiserver-client-kubelet",
    "kubernetes.io/legacy-unknown",
];

/// One CertificateSigningRequest document.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrDocument {
    pub name: String,
    pub value: Value,
    pub location: Location,
    /// The text and offsets of its document, to locate fields.
    text: Arc<str>,
    offset: usize,
    offset_line: u32,
    /// The item indices down to the CSR when it is inside Lists, outermost first.
    item: Vec<usize>,
}

impl CsrDocument {
    fn field(&self, path: &[&str]) -> Location {
        let mut full = Vec::new();
        for i in &self.item {
            full.push(PathSegment::Key("items".into()));
            full.push(PathSegment::Index(*i));
        }
        full.extend(path.iter().map(|k| PathSegment::Key((*k).to_string())));
        match crate::manifest::yaml::locate(&self.text, self.offset, self.offset_line, &full) {
            Some((line, column)) => Location::new(self.location.file.clone(), line, column),
            None => self.location.clone(),
        }
    }
}

/// Every CertificateSigningRequest in the files of `paths`, read from the texts `loaded` kept.
pub fn documents(paths: &[String], walk_options: WalkOptions, loaded: &Loaded) -> Vec<CsrDocument> {
    let (inputs, _) = walk::expand(paths, walk_options);
    let mut found = Vec::new();
    for input in inputs {
        let name: Arc<str> = match input {
            walk::InputPath::File(path) => path.to_string_lossy().into(),
            walk::InputPath::Stdin => Arc::from("<stdin>"),
        };
        let Some(text) = loaded.sources.text(&name) else {
            continue;
        };
        // Cheap filter before parsing the file again.
        if !text.contains(KIND) {
            continue;
        }
        let text: Arc<str> = Arc::from(text);
        for doc in crate::manifest::yaml::parse_stream(&text).documents {
            let mut push = |value: &Value, item: Vec<usize>| {
                if value.get("kind").and_then(Value::as_str) == Some(KIND) {
                    found.push(CsrDocument {
                        name: value
                            .pointer("/metadata/name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        value: value.clone(),
                        location: Location::new(name.clone(), doc.line, doc.column),
                        text: text.clone(),
                        offset: doc.offset,
                        offset_line: doc.offset_line,
                        item,
                    });
                }
            };
            // Lists (any document with `items`), nested ones too, as the loader flattens them.
            let mut pending = vec![(&doc.value, Vec::new())];
            while let Some((value, path)) = pending.pop() {
                match value.get("items") {
                    Some(items) => {
                        let items = items.as_array().map(Vec::as_slice).unwrap_or_default();
                        pending.extend(items.iter().enumerate().rev().map(|(i, item)| {
                            let mut item_path = path.clone();
                            item_path.push(i);
                            (item, item_path)
                        }));
                    }
                    None => push(value, path),
                }
            }
        }
    }
    found
}

/// The identity a certificate issued for the CSR would authenticate as.
pub fn authenticate(doc: &CsrDocument) -> Result<Identity, Diagnostic> {
    let spec = doc.value.get("spec").cloned().unwrap_or(Value::Null);
    let request = spec.get("request").and_then(Value::as_str).ok_or_else(|| {
        Diagnostic::error(
            doc.field(&["spec"]),
            format!(
                "CertificateSigningRequest {:?} has no spec.request",
                doc.name
            ),
        )
    })?;
    let at = doc.field(&["spec", "request"]);
    let pem = STANDARD
        .decode(request.trim())
        .map_err(|e| Diagnostic::error(at.clone(), format!("spec.request is not base64: {e}")))?;
    let blocks = pem_blocks(&pem, "CERTIFICATE REQUEST", &at)?;
    let (_, csr) = X509CertificationRequest::from_der(&blocks[0]).map_err(|e| {
        Diagnostic::error(
            at.clone(),
            format!("spec.request is not a PKCS#10 request: {e}"),
        )
    })?;
    let (common_name, organizations) = subject_identity(&csr.certification_request_info.subject);
    let source = format!("CertificateSigningRequest {} ({})", doc.name, doc.location);
    let mut identity = Identity::new(
        Method::CertificateSigningRequest,
        source,
        common_name.clone().unwrap_or_default(),
    );
    identity.groups = organizations;
    identity.detail(
        "subject",
        csr.certification_request_info.subject.to_string(),
    );
    let signer = spec
        .get("signerName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    identity.detail("signer", signer.clone());
    let usages: Vec<String> = spec
        .get("usages")
        .and_then(Value::as_array)
        .map(|u| {
            u.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    identity.detail("usages", usages.join(", "));
    if let Some(requester) = spec.get("username").and_then(Value::as_str) {
        identity.detail("requested by", requester);
    }
    if let Some(seconds) = spec.get("expirationSeconds").and_then(Value::as_i64) {
        identity.detail("expiration seconds", seconds.to_string());
    }
    if csr.verify_signature().is_err() {
        identity
            .warnings
            .push("the request's self-signature does not verify".into());
    }
    let condition = |kind: &str| {
        doc.value
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .is_some_and(|c| {
                c.iter().any(|c| {
                    c.get("type").and_then(Value::as_str) == Some(kind)
                        && c.get("status").and_then(Value::as_str) != Some("False")
                })
            })
    };
    let mut rejected = None;
    if common_name.as_deref().unwrap_or("").is_empty() {
        rejected = Some(
            "the request's subject has no CommonName, so a certificate issued for it would not authenticate"
                .to_string(),
        );
    } else if condition("Denied") {
        rejected = Some("the request was denied".into());
    } else if condition("Failed") {
        rejected = Some("signing the request failed".into());
    } else if !usages.iter().any(|u| u == "client auth") {
        rejected = Some(format!(
            "the usages [{}] do not include \"client auth\", so the certificate would not authenticate a client",
            usages.join(", ")
        ));
    } else if signer == "kubernetes.io/kubelet-serving" {
        rejected = Some(
            "kubernetes.io/kubelet-serving issues serving certificates, not client certificates"
                .into(),
        );
    }
    if rejected.is_none() && !CLIENT_SIGNERS.contains(&signer.as_str()) {
        identity.warnings.push(format!(
            "the signer {signer:?} is not a built-in client signer; the certificate authenticates only if the apiserver trusts its CA"
        ));
    }
    if !condition("Approved") && rejected.is_none() {
        identity.warnings.push(
            "the request is not approved yet: this is the identity it would carry once issued"
                .into(),
        );
    }
    identity.rejected = rejected;
    identity.add_authenticated_group();
    Ok(identity)
}
