//! JSON documents → typed objects. Dispatches on (apiVersion, kind), flattens `List`s, reads
//! removed API versions as their successors (with a warning), defaults namespaces as
//! `kubectl apply` does, and decodes each document on its own so that one bad document costs
//! only itself. Unknown fields become warnings with their path; type errors name the field.

use std::cell::OnceCell;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    Namespace, Pod, PodTemplate, PodTemplateSpec, ReplicationController, Secret, ServiceAccount,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::DocumentSpans;
use super::yaml::{ItemText, RawDocument};
use crate::model::{Cluster, CustomResource, Located, Origin, Workload, WorkloadKind, WorkloadPod};
use crate::source::{Diagnostic, FieldPath, PathSegment};

/// What the decoder needs to know about the file a document came from.
pub(crate) struct FileContext<'a> {
    pub file: &'a Arc<str>,
    pub text: &'a str,
    pub default_namespace: &'a str,
}

impl FileContext<'_> {
    fn origin(
        &self,
        doc: &RawDocument,
        item: Option<Arc<[u32]>>,
        line: u32,
        column: u32,
    ) -> Origin {
        Origin {
            file: self.file.clone(),
            document: doc.index,
            item,
            line,
            column,
            offset: doc.offset,
            offset_line: doc.offset_line,
        }
    }

    /// The positions of the fields of the document of `origin`, parsed on the first lookup
    /// and kept in `spans` for the others (every object of one document shares them).
    /// `within` is the item's own text for an item of a List parsed apart.
    fn spans<'s>(
        &self,
        spans: &'s OnceCell<DocumentSpans>,
        origin: &Origin,
        within: Option<&ItemText>,
    ) -> &'s DocumentSpans {
        spans.get_or_init(|| match within {
            Some(item) => DocumentSpans::parse_item(self.text, item),
            None => DocumentSpans::parse(self.text, origin),
        })
    }

    fn document_text(&self, origin: &Origin) -> &str {
        let rest = self.text.get(origin.offset..).unwrap_or("");
        rest.get(..super::yaml::document_end(rest)).unwrap_or(rest)
    }
}

/// The evaluated kinds other than workloads, by the name manifests give them.
const NAMED_KINDS: &[(&str, KnownKind)] = &[
    ("Role", KnownKind::Role),
    ("ClusterRole", KnownKind::ClusterRole),
    ("RoleBinding", KnownKind::RoleBinding),
    ("ClusterRoleBinding", KnownKind::ClusterRoleBinding),
    ("ServiceAccount", KnownKind::ServiceAccount),
    ("Namespace", KnownKind::Namespace),
    ("Secret", KnownKind::Secret),
    (
        "CustomResourceDefinition",
        KnownKind::CustomResourceDefinition,
    ),
];

/// The kinds kubesim evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KnownKind {
    Role,
    ClusterRole,
    RoleBinding,
    ClusterRoleBinding,
    ServiceAccount,
    Namespace,
    Secret,
    Workload(WorkloadKind),
    CustomResourceDefinition,
}

impl KnownKind {
    fn from_kind(kind: &str) -> Option<Self> {
        match NAMED_KINDS.iter().find(|(name, _)| *name == kind) {
            Some((_, known)) => Some(*known),
            None => WorkloadKind::ALL
                .into_iter()
                .find(|k| k.kind() == kind)
                .map(KnownKind::Workload),
        }
    }

    /// Every kind kubesim evaluates, as the manifests spell it.
    fn names() -> impl Iterator<Item = &'static str> {
        let workloads = WorkloadKind::ALL.into_iter().map(WorkloadKind::kind);
        NAMED_KINDS.iter().map(|(name, _)| *name).chain(workloads)
    }

    /// The apiVersion kubesim decodes this kind as.
    fn current_api_version(self) -> &'static str {
        match self {
            KnownKind::Role
            | KnownKind::ClusterRole
            | KnownKind::RoleBinding
            | KnownKind::ClusterRoleBinding => "rbac.authorization.k8s.io/v1",
            KnownKind::ServiceAccount | KnownKind::Namespace | KnownKind::Secret => "v1",
            KnownKind::CustomResourceDefinition => "apiextensions.k8s.io/v1",
            KnownKind::Workload(w) => match w {
                WorkloadKind::Pod
                | WorkloadKind::ReplicationController
                | WorkloadKind::PodTemplate => "v1",
                WorkloadKind::Deployment
                | WorkloadKind::ReplicaSet
                | WorkloadKind::StatefulSet
                | WorkloadKind::DaemonSet => "apps/v1",
                WorkloadKind::Job | WorkloadKind::CronJob => "batch/v1",
            },
        }
    }

    /// Older API versions of this kind that Kubernetes removed, with the release that removed
    /// them. They are read as the current version.
    fn removed_version(self, api_version: &str) -> Option<&'static str> {
        use WorkloadKind as W;
        match (self, api_version) {
            (
                KnownKind::Role
                | KnownKind::ClusterRole
                | KnownKind::RoleBinding
                | KnownKind::ClusterRoleBinding,
                "rbac.authorization.k8s.io/v1beta1" | "rbac.authorization.k8s.io/v1alpha1",
            ) => Some("v1.22"),
            (
                KnownKind::Workload(W::Deployment | W::DaemonSet | W::ReplicaSet),
                "extensions/v1beta1",
            ) => Some("v1.16"),
            (KnownKind::Workload(W::Deployment | W::StatefulSet), "apps/v1beta1") => Some("v1.16"),
            (
                KnownKind::Workload(W::Deployment | W::StatefulSet | W::DaemonSet | W::ReplicaSet),
                "apps/v1beta2",
            ) => Some("v1.16"),
            (KnownKind::Workload(W::CronJob), "batch/v1beta1") => Some("v1.25"),
            (KnownKind::Workload(W::CronJob), "batch/v2alpha1") => Some("v1.21"),
            (KnownKind::CustomResourceDefinition, "apiextensions.k8s.io/v1beta1") => Some("v1.22"),
            _ => None,
        }
    }

    fn is_namespaced(self) -> bool {
        !matches!(
            self,
            KnownKind::ClusterRole
                | KnownKind::ClusterRoleBinding
                | KnownKind::Namespace
                | KnownKind::CustomResourceDefinition
        )
    }
}

/// The built-in kind `kind` is a different spelling of (`deployment` → `Deployment`).
fn kind_in_other_case(kind: &str) -> Option<&'static str> {
    KnownKind::names()
        .chain(CLUSTER_SCOPED_KINDS.iter().copied())
        .find(|known| *known != kind && known.eq_ignore_ascii_case(kind))
}

/// Standard kinds that are cluster-scoped (for counting kinds kubesim does not evaluate).
const CLUSTER_SCOPED_KINDS: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// One thing to decode: a document, or one item of a List whose items were parsed apart
/// (then decoded on their own, in parallel, as documents are).
pub(crate) struct Unit {
    /// The document; for an item, its value is the item's.
    doc: RawDocument,
    /// The item's index in the List's `items` and where it is written.
    item: Option<(u32, ItemText)>,
}

/// The units of `doc`: itself, or each of its items when they were parsed apart, in order.
/// For such a List, also returns where its items are written (for the reports).
pub(crate) fn units(mut doc: RawDocument, out: &mut Vec<Unit>) -> Option<Arc<[ItemText]>> {
    let texts = doc.items.take();
    let items = match (&texts, &mut doc.value) {
        (Some(texts), Value::Object(map)) => match map.remove("items") {
            Some(Value::Array(items)) if items.len() == texts.len() => Some(items),
            Some(other) => {
                map.insert("items".to_string(), other);
                None
            }
            None => None,
        },
        _ => None,
    };
    let (Some(texts), Some(items)) = (texts, items) else {
        out.push(Unit { doc, item: None });
        return None;
    };
    for (i, (value, at)) in items.into_iter().zip(&texts).enumerate() {
        let item_doc = RawDocument {
            value,
            index: doc.index,
            line: doc.line,
            column: doc.column,
            offset: doc.offset,
            offset_line: doc.offset_line,
            items: None,
        };
        out.push(Unit {
            doc: item_doc,
            item: Some((u32::try_from(i).unwrap_or(u32::MAX), *at)),
        });
    }
    Some(texts.into())
}

impl Unit {
    /// The byte offset of the unit's document.
    pub(crate) fn offset(&self) -> usize {
        self.doc.offset
    }
}

/// Decodes one unit (and, for a List, each of its items) into `cluster`. For a List read
/// whole, returns the field positions parsed to place its items, for the reports to reuse.
pub(crate) fn decode_document(
    ctx: &FileContext<'_>,
    unit: Unit,
    cluster: &mut Cluster,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<DocumentSpans> {
    let Unit { mut doc, item } = unit;
    let value = std::mem::take(&mut doc.value);
    let within = item.map(|(_, at)| at);
    let within = within.as_ref();
    // Field positions are found by parsing the document (or the item) again, once, and only
    // if needed.
    let spans = OnceCell::new();
    let mut lists = vec![(value, item.map(|(i, _)| vec![i]).unwrap_or_default())];
    let mut is_list = false;
    // Lists are flattened depth first, items in order, as kubectl's FlattenListVisitor does:
    // a List inside a List is a List too.
    while let Some((value, path)) = lists.pop() {
        let mut origin = ctx.origin(
            &doc,
            (!path.is_empty()).then(|| Arc::from(path.as_slice())),
            doc.line,
            doc.column,
        );
        match within {
            // The item's own position, found while parsing it.
            Some(at) if path.len() == 1 => (origin.line, origin.column) = (at.line, at.column),
            _ if !path.is_empty() => {
                let here = ctx
                    .spans(&spans, &origin, within)
                    .locate(&origin, &FieldPath::default());
                origin.line = here.line;
                origin.column = here.column;
            }
            _ => {}
        }
        match list_items(value) {
            Ok(items) => {
                is_list = true;
                let nested = items.into_iter().enumerate().rev().map(|(i, item)| {
                    let mut item_path = path.clone();
                    item_path.push(u32::try_from(i).unwrap_or(u32::MAX));
                    (item, item_path)
                });
                lists.extend(nested);
            }
            Err(ListError::NotAList(value)) => {
                decode_object(ctx, &spans, within, value, origin, cluster, diagnostics)
            }
            Err(ListError::ItemsNotASequence(found)) => diagnostics.push(Diagnostic::error(
                ctx.spans(&spans, &origin, within)
                    .locate(&origin, &FieldPath::default().key("items")),
                format!("the items of a List must be a sequence, found {found}"),
            )),
        }
    }
    spans.into_inner().filter(|_| is_list && within.is_none())
}

enum ListError {
    /// The value is an object of its own.
    NotAList(Value),
    /// A List whose `items` is not a sequence (what it is instead).
    ItemsNotASequence(&'static str),
}

/// The items of a List (`kind: List`, `RoleList`, …: what `kubectl get -o yaml` writes).
/// kubectl's decoder (apimachinery's `unstructuredJSONScheme.decode`) reads any document with
/// an `items` field as a List, whatever its kind; `items: null` is an empty one.
fn list_items(value: Value) -> Result<Vec<Value>, ListError> {
    let Value::Object(mut map) = value else {
        return Err(ListError::NotAList(value));
    };
    if !map.contains_key("items") {
        return Err(ListError::NotAList(Value::Object(map)));
    }
    match map.remove("items") {
        Some(Value::Array(items)) => Ok(items),
        Some(Value::Null) => Ok(Vec::new()),
        Some(other) => Err(ListError::ItemsNotASequence(describe(&other))),
        None => Ok(Vec::new()),
    }
}

fn decode_object(
    ctx: &FileContext<'_>,
    spans: &OnceCell<DocumentSpans>,
    within: Option<&ItemText>,
    mut value: Value,
    origin: Origin,
    cluster: &mut Cluster,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let here = origin.location();
    let Some(map) = value.as_object() else {
        diagnostics.push(Diagnostic::error(
            here,
            format!(
                "a manifest must be a mapping with apiVersion and kind, found {}",
                describe(&value)
            ),
        ));
        return;
    };
    let kind = map
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let api_version = map
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if kind.is_empty() || api_version.is_empty() {
        let missing = match (api_version.is_empty(), kind.is_empty()) {
            (true, true) => "apiVersion and kind are not set",
            (true, false) => "apiVersion is not set",
            _ => "kind is not set",
        };
        let misspelt: Vec<String> = map
            .keys()
            .filter(|k| {
                (k.eq_ignore_ascii_case("apiVersion") && api_version.is_empty())
                    || (k.eq_ignore_ascii_case("kind") && kind.is_empty())
            })
            .map(|k| format!("`{k}`"))
            .collect();
        let spelling = if misspelt.is_empty() {
            String::new()
        } else {
            format!(
                " (found {}; keys are case-sensitive)",
                misspelt.join(" and ")
            )
        };
        diagnostics.push(Diagnostic::error(
            here,
            format!("{missing}{spelling}{}", helm_hint(ctx, &origin)),
        ));
        return;
    }
    let Some(known) = KnownKind::from_kind(&kind) else {
        if let Some(meant) = kind_in_other_case(&kind) {
            // The apiserver has no kind of that spelling: it refuses the object.
            diagnostics.push(Diagnostic::error(
                ctx.spans(spans, &origin, within)
                    .locate(&origin, &FieldPath::default().key("kind")),
                format!(
                    "no matches for kind {kind:?} in version {api_version:?}; kinds are case-sensitive: did you mean `{meant}`?"
                ),
            ));
            return;
        }
        if kind == "PodSecurityPolicy" {
            diagnostics.push(Diagnostic::warning(
                here,
                format!(
                    "{api_version} PodSecurityPolicy was removed in Kubernetes v1.25; not evaluated"
                ),
            ));
        }
        let namespace = value
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                if CLUSTER_SCOPED_KINDS.contains(&kind.as_str()) {
                    String::new()
                } else {
                    ctx.default_namespace.to_string()
                }
            });
        count_namespace(cluster, &namespace, &kind);
        *cluster.skipped.entry(kind).or_insert(0) += 1;
        return;
    };
    // A name of the wrong type is the typed decoder's error, not a missing name.
    let named = |field: &str| {
        map.get("metadata")
            .and_then(|m| m.get(field))
            .is_some_and(|n| !n.is_null() && n.as_str() != Some(""))
    };
    if !named("name") && !named("generateName") {
        // The apiserver's ValidateObjectMeta: the object is refused, so it is not used. (Only
        // the kinds kubesim evaluates are judged: another file may not be an API object at all,
        // a kubeconfig say.)
        let path = FieldPath::default().key("metadata");
        diagnostics.push(Diagnostic::error(
            ctx.spans(spans, &origin, within).locate_key(&origin, &path),
            format!("{kind}: metadata.name: Required value: name or generateName is required"),
        ));
        return;
    }
    let current = known.current_api_version();
    if api_version != current {
        match known.removed_version(&api_version) {
            Some(release) => {
                diagnostics.push(Diagnostic::warning(
                    here.clone(),
                    format!(
                        "{api_version} {kind} was removed in Kubernetes {release}; read as {current}"
                    ),
                ));
                upgrade_removed_version(&mut value, known, current);
            }
            None => {
                diagnostics.push(Diagnostic::error(
                    here,
                    format!(
                        "unknown apiVersion `{api_version}` for kind {kind} (expected {current})"
                    ),
                ));
                return;
            }
        }
    }
    if known.is_namespaced() {
        default_namespace(&mut value, ctx.default_namespace);
    }
    if known == KnownKind::Secret {
        // Secret data is never kept: only the type and metadata matter to kubesim.
        if let Some(map) = value.as_object_mut() {
            map.remove("data");
            map.remove("stringData");
        }
    }
    let decoding_origin = origin.clone();
    let mut decoder = Decoder {
        ctx,
        spans,
        within,
        origin: &decoding_origin,
        diagnostics,
    };
    match known {
        KnownKind::Role => {
            if let Some(o) = decoder.decode::<Role>(value) {
                count_namespace(cluster, meta_ns(&o.metadata), &kind);
                cluster.roles.push(Located { object: o, origin });
            }
        }
        KnownKind::ClusterRole => {
            if let Some(o) = decoder.decode::<ClusterRole>(value) {
                count_namespace(cluster, "", &kind);
                cluster.cluster_roles.push(Located { object: o, origin });
            }
        }
        KnownKind::RoleBinding => {
            if let Some(o) = decoder.decode::<RoleBinding>(value) {
                count_namespace(cluster, meta_ns(&o.metadata), &kind);
                cluster.role_bindings.push(Located { object: o, origin });
            }
        }
        KnownKind::ClusterRoleBinding => {
            if let Some(o) = decoder.decode::<ClusterRoleBinding>(value) {
                count_namespace(cluster, "", &kind);
                cluster
                    .cluster_role_bindings
                    .push(Located { object: o, origin });
            }
        }
        KnownKind::ServiceAccount => {
            if let Some(o) = decoder.decode::<ServiceAccount>(value) {
                count_namespace(cluster, meta_ns(&o.metadata), &kind);
                cluster.service_accounts.push(Located { object: o, origin });
            }
        }
        KnownKind::Namespace => {
            if let Some(o) = decoder.decode::<Namespace>(value) {
                count_namespace(cluster, "", &kind);
                cluster.namespaces.push(Located { object: o, origin });
            }
        }
        KnownKind::Secret => {
            if let Some(o) = decoder.decode::<Secret>(value) {
                count_namespace(cluster, meta_ns(&o.metadata), &kind);
                cluster.secrets.push(Located { object: o, origin });
            }
        }
        KnownKind::CustomResourceDefinition => {
            if let Some(crd) = custom_resource(&value, origin) {
                count_namespace(cluster, "", &kind);
                cluster.custom_resources.push(crd);
            } else {
                decoder.diagnostics.push(Diagnostic::error(
                    here,
                    "CustomResourceDefinition needs spec.group, spec.names.plural and spec.names.kind",
                ));
            }
        }
        KnownKind::Workload(w) => {
            if let Some(workload) = decoder.workload(w, value) {
                count_namespace(cluster, &workload.namespace, &kind);
                cluster.workloads.push(workload);
            }
        }
    }
}

fn meta_ns(meta: &ObjectMeta) -> &str {
    meta.namespace.as_deref().unwrap_or("")
}

fn count_namespace(cluster: &mut Cluster, namespace: &str, kind: &str) {
    *cluster
        .per_namespace
        .entry(namespace.to_string())
        .or_default()
        .entry(kind.to_string())
        .or_insert(0) += 1;
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Rewrites a removed API version's document into the shape of the current version.
fn upgrade_removed_version(value: &mut Value, known: KnownKind, current: &str) {
    let Some(map) = value.as_object_mut() else {
        return;
    };
    map.insert("apiVersion".into(), Value::String(current.into()));
    // Old workload versions defaulted the selector from the template's labels.
    if let KnownKind::Workload(
        WorkloadKind::Deployment
        | WorkloadKind::DaemonSet
        | WorkloadKind::ReplicaSet
        | WorkloadKind::StatefulSet,
    ) = known
        && let Some(spec) = map.get_mut("spec").and_then(Value::as_object_mut)
        && !spec.contains_key("selector")
    {
        let labels = spec
            .get("template")
            .and_then(|t| t.pointer("/metadata/labels"))
            .cloned()
            .unwrap_or_else(|| Value::Object(Default::default()));
        spec.insert(
            "selector".into(),
            serde_json::json!({ "matchLabels": labels }),
        );
    }
}

fn default_namespace(value: &mut Value, namespace: &str) {
    let Some(map) = value.as_object_mut() else {
        return;
    };
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Some(meta) = meta.as_object_mut() {
        let missing = match meta.get("namespace") {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        if missing {
            meta.insert("namespace".into(), Value::String(namespace.to_string()));
        }
    }
}

fn custom_resource(value: &Value, origin: Origin) -> Option<CustomResource> {
    let spec = value.get("spec")?;
    let names = spec.get("names")?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let plural = text(names.get("plural"))?;
    let kind = text(names.get("kind"))?;
    Some(CustomResource {
        group: text(spec.get("group"))?,
        singular: text(names.get("singular")).unwrap_or_else(|| kind.to_lowercase()),
        plural,
        kind,
        short_names: names
            .get("shortNames")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        namespaced: spec.get("scope").and_then(Value::as_str) != Some("Cluster"),
        origin,
    })
}

/// A hint appended to errors in documents that still contain Helm template syntax.
fn helm_hint(ctx: &FileContext<'_>, origin: &Origin) -> &'static str {
    if ctx.document_text(origin).contains("{{") {
        " (the document contains an unrendered template `{{ … }}`; render it first, e.g. with `helm template`)"
    } else {
        ""
    }
}

struct Decoder<'a, 'b> {
    ctx: &'a FileContext<'a>,
    spans: &'a OnceCell<DocumentSpans>,
    within: Option<&'a ItemText>,
    origin: &'a Origin,
    diagnostics: &'b mut Vec<Diagnostic>,
}

impl Decoder<'_, '_> {
    /// Decodes through exactly one deserializer stack (JSON value + path tracking + unknown
    /// field detection), which keeps the typed Kubernetes code monomorphized once.
    fn decode<T: DeserializeOwned>(&mut self, value: Value) -> Option<T> {
        let mut unknown: Vec<FieldPath> = Vec::new();
        let mut track = serde_path_to_error::Track::new();
        let result = {
            let mut on_ignored = |path: serde_ignored::Path<'_>| unknown.push(ignored_path(&path));
            let de = serde_path_to_error::Deserializer::new(value, &mut track);
            serde_ignored::deserialize(de, &mut on_ignored)
        };
        for path in unknown {
            let location = self
                .ctx
                .spans(self.spans, self.origin, self.within)
                .locate_key(self.origin, &path);
            self.diagnostics.push(Diagnostic::warning(
                location,
                format!("unknown field `{path}`"),
            ));
        }
        match result {
            Ok(v) => Some(v),
            Err(err) => {
                let path = FieldPath::parse(&track.path().to_string());
                let location = self
                    .ctx
                    .spans(self.spans, self.origin, self.within)
                    .locate(self.origin, &path);
                let hint = helm_hint(self.ctx, self.origin);
                let message = if path.0.is_empty() {
                    format!("{err}{hint}")
                } else {
                    format!("{path}: {err}{hint}")
                };
                self.diagnostics.push(Diagnostic::error(location, message));
                None
            }
        }
    }

    fn workload(&mut self, kind: WorkloadKind, value: Value) -> Option<Workload> {
        let (meta, template) = match kind {
            WorkloadKind::Pod => {
                let pod: Pod = self.decode(value)?;
                let spec = pod.spec.unwrap_or_default();
                (
                    pod.metadata.clone(),
                    PodTemplateSpec {
                        metadata: Some(pod.metadata),
                        spec: Some(spec),
                    },
                )
            }
            WorkloadKind::Deployment => {
                let o: Deployment = self.decode(value)?;
                (o.metadata, o.spec.template)
            }
            WorkloadKind::ReplicaSet => {
                let o: ReplicaSet = self.decode(value)?;
                (o.metadata, o.spec.template.unwrap_or_default())
            }
            WorkloadKind::StatefulSet => {
                let o: StatefulSet = self.decode(value)?;
                (o.metadata, o.spec.template)
            }
            WorkloadKind::DaemonSet => {
                let o: DaemonSet = self.decode(value)?;
                (o.metadata, o.spec.template)
            }
            WorkloadKind::Job => {
                let o: Job = self.decode(value)?;
                (o.metadata, o.spec.map(|s| s.template).unwrap_or_default())
            }
            WorkloadKind::CronJob => {
                let o: CronJob = self.decode(value)?;
                let template = o.spec.job_template.spec.map(|s| s.template);
                (o.metadata, template.unwrap_or_default())
            }
            WorkloadKind::ReplicationController => {
                let o: ReplicationController = self.decode(value)?;
                (
                    o.metadata,
                    o.spec.and_then(|s| s.template).unwrap_or_default(),
                )
            }
            WorkloadKind::PodTemplate => {
                let o: PodTemplate = self.decode(value)?;
                (o.metadata, o.template.unwrap_or_default())
            }
        };
        let pod = WorkloadPod {
            metadata: template.metadata.unwrap_or_default(),
            spec: template.spec.unwrap_or_default(),
        };
        Some(Workload::new(
            kind,
            meta.namespace.clone().unwrap_or_default(),
            meta.name
                .clone()
                .or_else(|| meta.generate_name.clone())
                .unwrap_or_default(),
            &pod,
            self.origin.clone(),
        ))
    }
}

fn ignored_path(path: &serde_ignored::Path<'_>) -> FieldPath {
    fn walk(path: &serde_ignored::Path<'_>, out: &mut Vec<PathSegment>) {
        match path {
            serde_ignored::Path::Root => {}
            serde_ignored::Path::Seq { parent, index } => {
                walk(parent, out);
                out.push(PathSegment::Index(*index));
            }
            serde_ignored::Path::Map { parent, key } => {
                walk(parent, out);
                out.push(PathSegment::Key(key.clone()));
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => walk(parent, out),
        }
    }
    let mut segments = Vec::new();
    walk(path, &mut segments);
    FieldPath(segments)
}
