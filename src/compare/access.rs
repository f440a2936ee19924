//! Effective access, compared: what each subject may do in one state that it may not in the
//! other, whatever rules, roles, bindings or files say it.
//!
//! Every rule a binding gives a subject is broken down into atoms: one verb on one (API group,
//! resource or `resource/subresource`, resource name or any name) in one scope (a namespace,
//! or cluster-wide), or one verb on one non-resource URL. Wildcards stay wildcards: `*` on
//! `*.*` is one atom. An atom *covers* another when every request the second allows the first
//! allows too: `*` covers any verb, group or resource, `*/sub` covers `res/sub`, any name
//! covers a name, `/path*` covers the URLs and URL patterns it prefixes, and cluster-wide (a
//! ClusterRoleBinding) covers every namespace (a RoleBinding covers its own only).
//!
//! Access gained is then each atom of the head not covered by some atom of the base (and not
//! covered by a broader gained atom of the head itself); access lost the reverse. Because every
//! atom is a product of single patterns over open-ended sets of strings, an atom is covered by a
//! set of atoms exactly when one atom of the set covers it, so no union is needed. Reordering
//! rules, verbs, resources, subjects or documents, splitting a role in two, or renaming files
//! changes no atom and so no answer.
//!
//! Who holds the access is what the authorizer matches: a user name (a ServiceAccount subject
//! is the user `system:serviceaccount:NS:NAME`, so a `User` subject of that name is the same
//! holder) or a group. Subjects of other kinds, service accounts without a namespace, rules of
//! bindings whose role does not exist, and non-resource URLs granted by RoleBindings (a
//! non-resource request has no namespace, so only ClusterRoleBindings apply) grant nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::rbac::v1::PolicyRule;
use rustc_hash::FxHashMap;

use crate::index::Indexed;
use crate::index::entry::{BindingKind, RoleId};
use crate::index::rbac_index::RbacIndex;
use crate::manifest::DocumentSpans;
use crate::model::identity::{service_account_user, split_service_account_user};
use crate::model::{Action, Origin};
use crate::source::FieldPath;

/// The scope of a cluster-wide atom; other scopes are namespace strings.
const CLUSTER: u32 = u32::MAX;
/// The `group` of a non-resource URL atom (its `resource` is the URL).
const URL: u32 = u32::MAX;
/// The `name` of an atom that allows any name (or none).
const ANY_NAME: u32 = u32::MAX;
/// No string.
const NONE: u32 = u32::MAX;

/// One allowed (scope, verb, group, resource, name), or (cluster, verb, URL), interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Atom {
    scope: u32,
    verb: u32,
    group: u32,
    resource: u32,
    name: u32,
}

/// A user name or a group, interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Holder {
    group: bool,
    name: u32,
}

/// The binding and the effective rule of its role that grant an atom: the first in the
/// index's visiting order, which sorts bindings by kind, namespace and name, so it does not
/// depend on the order of files or documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Src {
    binding: u32,
    rule: u32,
}

/// The strings of both states, interned once for both.
#[derive(Debug, Default)]
struct Strings {
    ids: FxHashMap<Arc<str>, u32>,
    text: Vec<Arc<str>>,
}

impl Strings {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = u32::try_from(self.text.len()).unwrap_or(NONE - 1);
        let s: Arc<str> = s.into();
        self.ids.insert(s.clone(), id);
        self.text.push(s);
        id
    }

    fn get(&self, s: &str) -> u32 {
        self.ids.get(s).copied().unwrap_or(NONE)
    }

    fn text(&self, id: u32) -> &str {
        self.text.get(id as usize).map_or("", |s| s)
    }
}

/// A URL pattern in one form: trailing `*`s mean the same as one, and all-`*` means `*`.
fn normalize_url(url: &str) -> std::borrow::Cow<'_, str> {
    if !url.ends_with("**") {
        return url.into();
    }
    let stem = url.trim_end_matches('*');
    format!("{stem}*").into()
}

/// What each holder of one state may do, each atom with its first grant.
type Holdings = FxHashMap<Holder, FxHashMap<Atom, Src>>;

/// The atoms of one role's effective rules (scope unset), each with its rule's index.
fn role_atoms<'a>(
    rules: impl Iterator<Item = &'a PolicyRule>,
    strings: &mut Strings,
) -> Vec<(Atom, u32)> {
    let list = |v: &'a Option<Vec<String>>| v.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    for (k, rule) in rules.enumerate() {
        let k = u32::try_from(k).unwrap_or(u32::MAX);
        let verbs: Vec<u32> = rule.verbs.iter().map(|v| strings.intern(v)).collect();
        let names: Vec<u32> = match rule.resource_names.as_deref() {
            None | Some([]) => vec![ANY_NAME],
            Some(names) => names.iter().map(|n| strings.intern(n)).collect(),
        };
        for group in list(&rule.api_groups) {
            let group = strings.intern(group);
            for resource in list(&rule.resources) {
                let resource = strings.intern(resource);
                for &verb in &verbs {
                    for &name in &names {
                        let atom = Atom {
                            scope: CLUSTER,
                            verb,
                            group,
                            resource,
                            name,
                        };
                        out.push((atom, k));
                    }
                }
            }
        }
        for url in list(&rule.non_resource_urls) {
            let url = strings.intern(&normalize_url(url));
            for &verb in &verbs {
                let atom = Atom {
                    scope: CLUSTER,
                    verb,
                    group: URL,
                    resource: url,
                    name: ANY_NAME,
                };
                out.push((atom, k));
            }
        }
    }
    out
}

/// The holder a binding subject is, as the authorizer matches it.
fn holder(
    kind: &str,
    name: &str,
    namespace: Option<&str>,
    binding_namespace: &str,
    strings: &mut Strings,
) -> Option<Holder> {
    match kind {
        "User" => Some(Holder {
            group: false,
            name: strings.intern(name),
        }),
        "Group" => Some(Holder {
            group: true,
            name: strings.intern(name),
        }),
        "ServiceAccount" => {
            let ns = namespace
                .filter(|n| !n.is_empty())
                .unwrap_or(binding_namespace);
            (!ns.is_empty()).then(|| Holder {
                group: false,
                name: strings.intern(&service_account_user(ns, name)),
            })
        }
        _ => None,
    }
}

fn holdings(index: &RbacIndex, strings: &mut Strings) -> Holdings {
    let mut atoms_of: Vec<Option<Vec<(Atom, u32)>>> = vec![None; index.roles.len()];
    let mut out: Holdings = FxHashMap::default();
    let mut holders = Vec::new();
    for (id, b) in index.bindings.iter().enumerate() {
        let Ok(role) = b.role else { continue };
        let binding = u32::try_from(id).unwrap_or(u32::MAX);
        let scope = match b.kind {
            BindingKind::ClusterRoleBinding => CLUSTER,
            BindingKind::RoleBinding => strings.intern(&b.namespace),
        };
        holders.clear();
        for s in &b.subjects {
            if let Some(h) = holder(
                &s.kind,
                &s.name,
                s.namespace.as_deref(),
                &b.namespace,
                strings,
            ) && !holders.contains(&h)
            {
                holders.push(h);
            }
        }
        if holders.is_empty() {
            continue;
        }
        let atoms = atoms_of[role].get_or_insert_with(|| {
            role_atoms(index.roles[role].rules.iter().map(|r| &r.rule), strings)
        });
        for h in &holders {
            let held = out.entry(*h).or_default();
            for &(atom, rule) in atoms.iter() {
                if scope != CLUSTER && atom.group == URL {
                    continue;
                }
                held.entry(Atom { scope, ..atom })
                    .or_insert(Src { binding, rule });
            }
        }
    }
    out
}

/// Up to three candidate values of one field of a covering atom.
#[derive(Clone, Copy)]
struct Options {
    values: [u32; 3],
    len: usize,
}

impl Options {
    fn of(first: u32) -> Options {
        Options {
            values: [first, NONE, NONE],
            len: 1,
        }
    }

    /// These and `other` (every sentinel is a value here: `CLUSTER` and `ANY_NAME` are).
    fn or(mut self, other: u32) -> Options {
        if !self.values[..self.len].contains(&other) {
            self.values[self.len] = other;
            self.len += 1;
        }
        self
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.values[..self.len].iter().copied()
    }
}

/// What covering needs to know of the interned strings.
struct Covering<'a> {
    strings: &'a Strings,
    star: u32,
    /// Per string `RES/SUB` (one `/`, `RES` not `*`): the id of `*/SUB`, if some rule has it.
    star_sub: Vec<u32>,
}

impl<'a> Covering<'a> {
    fn new(strings: &'a Strings, star: u32) -> Self {
        let star_sub = strings
            .text
            .iter()
            .map(|text| match text.split_once('/') {
                Some((res, sub)) if res != "*" && !sub.contains('/') => {
                    strings.get(&format!("*/{sub}"))
                }
                _ => NONE,
            })
            .collect();
        Covering {
            strings,
            star,
            star_sub,
        }
    }

    /// The resource patterns that cover `resource`: itself, `*`, and `*/sub` for `res/sub`.
    fn resources(&self, resource: u32) -> Options {
        let options = Options::of(resource).or(self.star);
        match self.star_sub.get(resource as usize) {
            Some(&star_sub) if star_sub != NONE => options.or(star_sub),
            _ => options,
        }
    }

    /// The URL patterns that cover `url`: itself, and `P*` for every prefix `P` of it.
    fn urls(&self, url: u32) -> Vec<u32> {
        let mut out = vec![url];
        let text = self.strings.text(url);
        let stem = text.strip_suffix('*').unwrap_or(text);
        for (end, _) in stem.char_indices().chain([(stem.len(), ' ')]) {
            let pattern = self.strings.get(&format!("{}*", &stem[..end]));
            if pattern != NONE && pattern != url {
                out.push(pattern);
            }
        }
        out
    }

    /// Whether some atom of `set` covers `atom` (another atom than itself when `strict`).
    fn covered(&self, atom: &Atom, set: &FxHashMap<Atom, Src>, strict: bool) -> bool {
        if set.is_empty() {
            return false;
        }
        let scopes = Options::of(atom.scope).or(CLUSTER);
        let verbs = Options::of(atom.verb).or(self.star);
        let (groups, names) = if atom.group == URL {
            (Options::of(URL), Options::of(ANY_NAME))
        } else {
            (
                Options::of(atom.group).or(self.star),
                Options::of(atom.name).or(ANY_NAME),
            )
        };
        let (url_patterns, options);
        let resources: &[u32] = if atom.group == URL {
            url_patterns = self.urls(atom.resource);
            &url_patterns
        } else {
            options = self.resources(atom.resource);
            &options.values[..options.len]
        };
        for scope in scopes.iter() {
            for verb in verbs.iter() {
                for group in groups.iter() {
                    for &resource in resources {
                        for name in names.iter() {
                            let candidate = Atom {
                                scope,
                                verb,
                                group,
                                resource,
                                name,
                            };
                            if (!strict || candidate != *atom) && set.contains_key(&candidate) {
                                return true;
                            }
                        }
                    }
                }
            }
        }
        false
    }
}

/// A Role, ClusterRole, RoleBinding or ClusterRoleBinding, named and placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: &'static str,
    /// `""` for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
    pub origin: Origin,
}

/// The binding, role and rule that grant some access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantSource {
    pub binding: ObjectRef,
    pub role: ObjectRef,
    /// The rule's position among the role's effective rules.
    pub rule: usize,
    /// Where the rule is written: file and line (the role's own line when it cannot be placed).
    pub rule_file: Arc<str>,
    pub rule_line: u32,
    /// For a rule an aggregated ClusterRole took from another: that role and the rule's
    /// position in it.
    pub aggregated_from: Option<(ObjectRef, usize)>,
}

/// What the access is to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccessTarget {
    /// Resources of one API group (`*` for all), with the names they are limited to (none:
    /// any name).
    Resources {
        group: String,
        resources: Vec<String>,
        names: Vec<String>,
    },
    /// Non-resource URLs (always cluster-wide).
    Urls(Vec<String>),
}

/// The kind of a holder of access, as a binding's subject would name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SubjectRef {
    User(String),
    Group(String),
    ServiceAccount { namespace: String, name: String },
}

impl SubjectRef {
    /// `user:NAME`, `group:NAME`, `sa:NS/NAME`.
    pub fn label(&self) -> String {
        match self {
            SubjectRef::User(n) => format!("user:{n}"),
            SubjectRef::Group(n) => format!("group:{n}"),
            SubjectRef::ServiceAccount { namespace, name } => format!("sa:{namespace}/{name}"),
        }
    }

    /// A `system:` user or group, or a service account of `kube-system`: the definition
    /// `who-can --exclude-system` uses.
    pub fn is_system(&self) -> bool {
        match self {
            SubjectRef::User(n) => crate::rbac::who_can::is_system("User", "", n),
            SubjectRef::Group(n) => crate::rbac::who_can::is_system("Group", "", n),
            SubjectRef::ServiceAccount { namespace, name } => {
                crate::rbac::who_can::is_system("ServiceAccount", namespace, name)
            }
        }
    }
}

/// Some verbs on some targets, in one scope, gained or lost by one subject, with the grant
/// that gives it (in the head for a gain, in the base for a loss). Each atom of a change is in
/// exactly one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessChange {
    pub subject: SubjectRef,
    /// `None`: cluster-wide (a ClusterRoleBinding).
    pub namespace: Option<String>,
    pub verbs: Vec<String>,
    pub target: AccessTarget,
    pub via: GrantSource,
}

fn object_ref(kind: &'static str, namespace: &str, name: &str, origin: &Origin) -> ObjectRef {
    ObjectRef {
        kind,
        namespace: namespace.to_string(),
        name: name.to_string(),
        origin: origin.clone(),
    }
}

/// The grant sources of one state, each described once, with the field positions of each
/// role's document parsed once for all the rules of it that are reported.
struct Grants<'a> {
    indexed: &'a Indexed,
    made: FxHashMap<Src, GrantSource>,
    spans: FxHashMap<RoleId, DocumentSpans>,
}

impl<'a> Grants<'a> {
    fn new(indexed: &'a Indexed) -> Self {
        Grants {
            indexed,
            made: FxHashMap::default(),
            spans: FxHashMap::default(),
        }
    }

    fn get(&mut self, src: Src) -> GrantSource {
        if let Some(g) = self.made.get(&src) {
            return g.clone();
        }
        let g = self.describe(src);
        self.made.insert(src, g.clone());
        g
    }

    fn describe(&mut self, src: Src) -> GrantSource {
        let index = &self.indexed.rbac;
        let b = &index.bindings[src.binding as usize];
        let role_id: RoleId = b.role.clone().unwrap_or_default();
        let role = &index.roles[role_id];
        let effective = &role.rules[src.rule as usize];
        let writer_id = effective.aggregated_from.unwrap_or(role_id);
        let writer = &index.roles[writer_id];
        let sources = &self.indexed.sources;
        let spans = self
            .spans
            .entry(writer_id)
            .or_insert_with(|| sources.spans(&writer.origin));
        let rule_path = FieldPath::default()
            .key("rules")
            .index(effective.rule_index);
        let rule_line = spans
            .line_of(&writer.origin, &rule_path)
            .unwrap_or(writer.origin.line);
        GrantSource {
            binding: object_ref(b.kind.as_str(), &b.namespace, &b.name, &b.origin),
            role: object_ref(
                role.kind.as_str(),
                &role.namespace,
                &role.name,
                &role.origin,
            ),
            rule: src.rule as usize,
            rule_file: writer.origin.file.clone(),
            rule_line,
            aggregated_from: effective.aggregated_from.map(|from| {
                let r = &index.roles[from];
                (
                    object_ref(r.kind.as_str(), &r.namespace, &r.name, &r.origin),
                    effective.rule_index,
                )
            }),
        }
    }
}

fn subject_ref(h: Holder, strings: &Strings) -> SubjectRef {
    let name = strings.text(h.name);
    if h.group {
        return SubjectRef::Group(name.to_string());
    }
    match split_service_account_user(name) {
        Some((namespace, name)) => SubjectRef::ServiceAccount {
            namespace: namespace.to_string(),
            name: name.to_string(),
        },
        None => SubjectRef::User(name.to_string()),
    }
}

/// What every atom of one reported change shares: scope, grant and API group.
type Place = (u32, Src, u32);

/// The atoms of one holder's change as the changes the reports show.
fn group_changes(
    subject: &SubjectRef,
    atoms: &[(Atom, Src)],
    strings: &Strings,
    grants: &mut Grants,
) -> Vec<AccessChange> {
    group_atoms(atoms, strings)
        .iter()
        .map(|g| change_of(subject, g, strings, grants))
        .collect()
}

/// The atoms of one holder's change grouped as the reports show them: a place, verbs,
/// resources and names (ids), each combination one atom.
struct Grouped {
    place: Place,
    verbs: Vec<u32>,
    resources: Vec<u32>,
    names: Vec<u32>,
}

impl Grouped {
    fn atoms(&self) -> impl Iterator<Item = Atom> + '_ {
        let (scope, _, group) = self.place;
        self.verbs.iter().flat_map(move |&verb| {
            self.resources.iter().flat_map(move |&resource| {
                self.names.iter().map(move |&name| Atom {
                    scope,
                    verb,
                    group,
                    resource,
                    name,
                })
            })
        })
    }
}

/// The atoms of one holder's change as few groups as possible: verbs merged per target, then
/// targets with the same verbs and grant merged, then names; each atom in exactly one.
fn group_atoms(atoms: &[(Atom, Src)], strings: &Strings) -> Vec<Grouped> {
    let sorted = |mut ids: Vec<u32>| {
        ids.sort_by(|a, b| strings.text(*a).cmp(strings.text(*b)));
        ids.dedup();
        ids
    };
    // (scope, src, group, resource, name) -> verbs
    let mut by_target: BTreeMap<(u32, Src, u32, u32, u32), Vec<u32>> = BTreeMap::new();
    for (a, src) in atoms {
        by_target
            .entry((a.scope, *src, a.group, a.resource, a.name))
            .or_default()
            .push(a.verb);
    }
    // (scope, src, group, name, verbs) -> resources
    let mut by_verbs: BTreeMap<(Place, u32, Vec<u32>), Vec<u32>> = BTreeMap::new();
    for ((scope, src, group, resource, name), verbs) in by_target {
        by_verbs
            .entry(((scope, src, group), name, sorted(verbs)))
            .or_default()
            .push(resource);
    }
    // (scope, src, group, verbs, resources) -> names
    let mut by_resources: BTreeMap<(Place, Vec<u32>, Vec<u32>), Vec<u32>> = BTreeMap::new();
    for ((place, name, verbs), resources) in by_verbs {
        by_resources
            .entry((place, verbs, sorted(resources)))
            .or_default()
            .push(name);
    }
    by_resources
        .into_iter()
        .map(|((place, verbs, resources), names)| Grouped {
            place,
            verbs,
            resources,
            names,
        })
        .collect()
}

/// One group of atoms as the change the reports show.
fn change_of(
    subject: &SubjectRef,
    grouped: &Grouped,
    strings: &Strings,
    grants: &mut Grants,
) -> AccessChange {
    let texts = |ids: &[u32]| -> Vec<String> {
        ids.iter().map(|&id| strings.text(id).to_string()).collect()
    };
    let (scope, src, group) = grouped.place;
    let target = if group == URL {
        AccessTarget::Urls(texts(&grouped.resources))
    } else {
        let mut names: Vec<u32> = grouped
            .names
            .iter()
            .copied()
            .filter(|&n| n != ANY_NAME)
            .collect();
        names.sort_by(|a, b| strings.text(*a).cmp(strings.text(*b)));
        names.dedup();
        AccessTarget::Resources {
            group: strings.text(group).to_string(),
            resources: texts(&grouped.resources),
            names: texts(&names),
        }
    };
    AccessChange {
        subject: subject.clone(),
        namespace: (scope != CLUSTER).then(|| strings.text(scope).to_string()),
        verbs: texts(&grouped.verbs),
        target,
        via: grants.get(src),
    }
}

/// The atoms `from` holds that no atom of `other` covers and no broader atom of `from`
/// covers: one holder's access gained (from head to base) or lost (the reverse).
fn only_in(
    from: &FxHashMap<Atom, Src>,
    other: &FxHashMap<Atom, Src>,
    covering: &Covering,
) -> Vec<(Atom, Src)> {
    let mut atoms: Vec<(Atom, Src)> = from
        .iter()
        .filter(|(atom, _)| {
            !other.contains_key(atom)
                && !covering.covered(atom, other, false)
                && !covering.covered(atom, from, true)
        })
        .map(|(atom, src)| (*atom, *src))
        .collect();
    atoms.sort_unstable();
    atoms
}

/// What an access-gain question asks for: one request, or every request the rules of a
/// Role (in its namespace) or ClusterRole (cluster-wide) allow.
#[derive(Debug, Clone, Copy)]
pub enum Wanted<'a> {
    Request(&'a Action),
    /// The rules, and the namespace they apply in (`None`: cluster-wide).
    Rules(&'a [PolicyRule], Option<&'a str>),
}

/// Whose access a gain question is about.
#[derive(Debug, Clone, Copy)]
pub enum Asked<'a> {
    /// Each user name (a service account is its user) and each group a binding names, on its
    /// own: what `kubesim diff` lists per subject.
    EveryHolder,
    /// One request identity: its user and all its groups together, as the authorizer sees it.
    Identity {
        user: Option<&'a str>,
        groups: &'a [String],
    },
}

/// A subject (or an identity, under [`Asked::Identity`]) that holds in `head` all of the
/// wanted access and did not in `base`, with the changes of `kubesim diff` that give it: the
/// gained access of each of its holders that covers some wanted request the base did not
/// allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gain {
    /// The holder, under [`Asked::EveryHolder`]; `None` for an identity.
    pub subject: Option<SubjectRef>,
    pub grants: Vec<AccessChange>,
}

/// The atoms of a wanted access, scoped. A Role grants no URLs, so a namespaced question
/// leaves its URL rules out.
fn wanted_atoms(wanted: Wanted<'_>, strings: &mut Strings) -> Vec<Atom> {
    match wanted {
        Wanted::Request(Action::NonResource(n)) => vec![Atom {
            scope: CLUSTER,
            verb: strings.intern(&n.verb),
            group: URL,
            resource: strings.intern(&n.path),
            name: ANY_NAME,
        }],
        Wanted::Request(Action::Resource(r)) => {
            let resource = if r.subresource.is_empty() {
                r.resource.clone()
            } else {
                format!("{}/{}", r.resource, r.subresource)
            };
            vec![Atom {
                scope: if r.namespace.is_empty() {
                    CLUSTER
                } else {
                    strings.intern(&r.namespace)
                },
                verb: strings.intern(&r.verb),
                group: strings.intern(&r.api_group),
                resource: strings.intern(&resource),
                name: if r.name.is_empty() {
                    ANY_NAME
                } else {
                    strings.intern(&r.name)
                },
            }]
        }
        Wanted::Rules(rules, namespace) => {
            let scope = namespace.map_or(CLUSTER, |ns| strings.intern(ns));
            let mut atoms: Vec<Atom> = role_atoms(rules.iter(), strings)
                .into_iter()
                .filter(|(atom, _)| scope == CLUSTER || atom.group != URL)
                .map(|(atom, _)| Atom { scope, ..atom })
                .collect();
            atoms.sort_unstable();
            atoms.dedup();
            atoms
        }
    }
}

/// The subjects (or the identity) that gain all of `wanted` from `base` to `head`, in the
/// order of their labels. Coverage is RBAC's rule matching: a request is allowed exactly when
/// an atom the holder has covers it.
pub fn gains(base: &Indexed, head: &Indexed, wanted: Wanted<'_>, asked: Asked<'_>) -> Vec<Gain> {
    let mut strings = Strings::default();
    let star = strings.intern("*");
    let before = holdings(&base.rbac, &mut strings);
    let after = holdings(&head.rbac, &mut strings);
    let wanted = wanted_atoms(wanted, &mut strings);
    let covering = Covering::new(&strings, star);
    let empty = FxHashMap::default();
    // Each question: the holders whose access counts together.
    let questions: Vec<(Option<Holder>, Vec<Holder>)> = match asked {
        Asked::EveryHolder => {
            let mut holders: Vec<Holder> = after.keys().copied().collect();
            holders.sort_unstable();
            holders.into_iter().map(|h| (Some(h), vec![h])).collect()
        }
        Asked::Identity { user, groups } => {
            let user = user.map(|u| Holder {
                group: false,
                name: strings.get(u),
            });
            let groups = groups.iter().map(|g| Holder {
                group: true,
                name: strings.get(g),
            });
            vec![(None, user.into_iter().chain(groups).collect())]
        }
    };
    let union = |holdings: &Holdings, holders: &[Holder]| -> FxHashMap<Atom, Src> {
        let mut all = FxHashMap::default();
        for h in holders {
            for (atom, src) in holdings.get(h).unwrap_or(&empty) {
                all.entry(*atom).or_insert(*src);
            }
        }
        all
    };
    let mut head_grants = Grants::new(head);
    let mut out = Vec::new();
    for (subject, holders) in questions {
        let now = union(&after, &holders);
        if wanted.is_empty() || !wanted.iter().all(|w| covering.covered(w, &now, false)) {
            continue;
        }
        let then = union(&before, &holders);
        let new: Vec<&Atom> = wanted
            .iter()
            .filter(|w| !covering.covered(w, &then, false))
            .collect();
        if new.is_empty() {
            continue;
        }
        let mut grants = Vec::new();
        for h in &holders {
            let gained = only_in(
                after.get(h).unwrap_or(&empty),
                before.get(h).unwrap_or(&empty),
                &covering,
            );
            let holder = subject_ref(*h, &strings);
            for grouped in group_atoms(&gained, &strings) {
                let atoms: FxHashMap<Atom, Src> = grouped
                    .atoms()
                    .map(|a| {
                        (
                            a,
                            Src {
                                binding: 0,
                                rule: 0,
                            },
                        )
                    })
                    .collect();
                if new.iter().any(|w| covering.covered(w, &atoms, false)) {
                    grants.push(change_of(&holder, &grouped, &strings, &mut head_grants));
                }
            }
        }
        grants.sort_by_cached_key(change_order);
        out.push(Gain {
            subject: subject.map(|h| subject_ref(h, &strings)),
            grants,
        });
    }
    out.sort_by_cached_key(|g| g.subject.as_ref().map(SubjectRef::label));
    out
}

/// Whether the identity (its user and groups together) may make every wanted request in
/// `indexed`, by the rules its bindings give it.
pub fn holds_all(
    indexed: &Indexed,
    wanted: Wanted<'_>,
    user: Option<&str>,
    groups: &[String],
) -> bool {
    let mut strings = Strings::default();
    let star = strings.intern("*");
    let held = holdings(&indexed.rbac, &mut strings);
    let wanted = wanted_atoms(wanted, &mut strings);
    let covering = Covering::new(&strings, star);
    let holders = user
        .map(|u| Holder {
            group: false,
            name: strings.get(u),
        })
        .into_iter()
        .chain(groups.iter().map(|g| Holder {
            group: true,
            name: strings.get(g),
        }));
    let mut all = FxHashMap::default();
    for h in holders {
        for (atom, src) in held.get(&h).into_iter().flatten() {
            all.entry(*atom).or_insert(*src);
        }
    }
    !wanted.is_empty() && wanted.iter().all(|w| covering.covered(w, &all, false))
}

fn change_order(c: &AccessChange) -> (String, Option<String>, AccessTarget, Vec<String>) {
    (
        c.subject.label(),
        c.namespace.clone(),
        c.target.clone(),
        c.verbs.clone(),
    )
}

/// The effective access `head` allows and `base` does not (gained), and the reverse (lost).
pub fn access_changes(base: &Indexed, head: &Indexed) -> (Vec<AccessChange>, Vec<AccessChange>) {
    let mut strings = Strings::default();
    let star = strings.intern("*");
    let before = holdings(&base.rbac, &mut strings);
    let after = holdings(&head.rbac, &mut strings);
    let covering = Covering::new(&strings, star);
    let empty = FxHashMap::default();
    let mut holders: Vec<Holder> = before.keys().chain(after.keys()).copied().collect();
    holders.sort_unstable();
    holders.dedup();
    let mut gained = Vec::new();
    let mut lost = Vec::new();
    let mut head_grants = Grants::new(head);
    let mut base_grants = Grants::new(base);
    for h in holders {
        let b = before.get(&h).unwrap_or(&empty);
        let a = after.get(&h).unwrap_or(&empty);
        if b.len() == a.len() && a.keys().all(|k| b.contains_key(k)) {
            continue;
        }
        let subject = subject_ref(h, &strings);
        let g = only_in(a, b, &covering);
        if !g.is_empty() {
            gained.extend(group_changes(&subject, &g, &strings, &mut head_grants));
        }
        let l = only_in(b, a, &covering);
        if !l.is_empty() {
            lost.extend(group_changes(&subject, &l, &strings, &mut base_grants));
        }
    }
    gained.sort_by_cached_key(change_order);
    lost.sort_by_cached_key(change_order);
    (gained, lost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_patterns_have_one_form() {
        assert_eq!(normalize_url("/a**"), "/a*");
        assert_eq!(normalize_url("**"), "*");
        assert_eq!(normalize_url("*"), "*");
        assert_eq!(normalize_url("/a"), "/a");
    }

    fn set(atoms: &[Atom]) -> FxHashMap<Atom, Src> {
        atoms
            .iter()
            .map(|a| {
                (
                    *a,
                    Src {
                        binding: 0,
                        rule: 0,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn covering() {
        let mut s = Strings::default();
        let star = s.intern("*");
        let get = s.intern("get");
        let core = s.intern("");
        let pods = s.intern("pods");
        let exec = s.intern("pods/exec");
        let star_exec = s.intern("*/exec");
        let pods_star = s.intern("pods/*");
        let team = s.intern("team");
        let a = |scope, verb, group, resource, name| Atom {
            scope,
            verb,
            group,
            resource,
            name,
        };
        let url = |u: &str, s: &mut Strings| a(CLUSTER, get, URL, s.intern(u), ANY_NAME);
        let healthz = url("/healthz", &mut s);
        let api_star = url("/api*", &mut s);
        let apis_star = url("/apis*", &mut s);
        let api_slash_star = url("/api/*", &mut s);
        let all_urls = url("*", &mut s);
        let c = Covering::new(&s, star);
        let covers = |owner: Atom, servant: Atom| c.covered(&servant, &set(&[owner]), true);
        // Wildcard verbs, groups and resources; cluster-wide over a namespace; any name.
        assert!(covers(
            a(CLUSTER, star, star, star, ANY_NAME),
            a(team, get, core, exec, pods)
        ));
        assert!(covers(
            a(CLUSTER, get, core, pods, ANY_NAME),
            a(team, get, core, pods, ANY_NAME)
        ));
        assert!(!covers(
            a(team, get, core, pods, ANY_NAME),
            a(CLUSTER, get, core, pods, ANY_NAME)
        ));
        assert!(!covers(
            a(team, get, core, pods, get),
            a(team, get, core, pods, ANY_NAME)
        ));
        assert!(covers(
            a(team, get, core, pods, ANY_NAME),
            a(team, get, core, pods, get)
        ));
        // `*/exec` covers `pods/exec`; `pods/*` is a literal and covers nothing else; a
        // resource does not cover its subresources.
        assert!(covers(
            a(team, get, core, star_exec, ANY_NAME),
            a(team, get, core, exec, ANY_NAME)
        ));
        assert!(!covers(
            a(team, get, core, pods_star, ANY_NAME),
            a(team, get, core, exec, ANY_NAME)
        ));
        assert!(!covers(
            a(team, get, core, pods, ANY_NAME),
            a(team, get, core, exec, ANY_NAME)
        ));
        assert!(!covers(
            a(team, get, core, exec, ANY_NAME),
            a(team, get, core, star_exec, ANY_NAME)
        ));
        // URL prefixes.
        assert!(covers(api_star, apis_star));
        assert!(covers(api_star, api_slash_star));
        assert!(!covers(api_slash_star, api_star));
        assert!(covers(all_urls, healthz));
        assert!(!covers(healthz, all_urls));
        assert!(!covers(api_star, healthz));
    }
}
