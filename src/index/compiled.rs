//! The decision hot path's view of the index: every string a rule compares (verbs, API groups,
//! resources, subresources, resource names) interned to an integer, each role's rules as one
//! contiguous run of integers, and one subject table keyed by (subject, scope) instead of maps
//! of strings.
//!
//! A request is interned once (a handful of lookups in tables that keep short keys in place);
//! after that, finding the allowing binding compares integers only and touches a few small
//! contiguous arrays, which is what keeps a decision well under a microsecond on an index of
//! tens of thousands of bindings. Anything the integer form cannot express exactly
//! (non-resource URLs, a resource containing `/`) is left to the string matcher, so both paths
//! give the same answers.
#![doc(hidden)]

use std::ops::Range;

use k8s_openapi::api::rbac::v1::PolicyRule;
use rustc_hash::FxHashMap;

use super::entry::{BindingKind, IndexedBinding, IndexedRole};
use crate::model::ResourceAttributes;
use crate::model::identity::service_account_user;

/// A string no rule mentions: it can match only a wildcard.
const UNKNOWN: u32 = u32::MAX;
/// The subresource of a request without one.
const NO_SUBRESOURCE: u32 = u32::MAX - 1;
/// The resource part of a `*/SUBRESOURCE` rule entry.
const ANY_RESOURCE: u32 = u32::MAX - 2;
/// The scope of ClusterRoleBindings in the subject table.
const CLUSTER_SCOPE: u32 = u32::MAX;
/// A binding whose roleRef points at nothing.
pub const NO_ROLE: u32 = u32::MAX;

/// The longest key a [`StrMap`] keeps inside its table.
const INLINE_KEY_LEN: usize = 63;

/// A key of at most [`INLINE_KEY_LEN`] bytes, zero-padded, with its length in the last byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct InlineKey([u8; INLINE_KEY_LEN + 1]);

impl InlineKey {
    fn new(s: &str) -> Option<InlineKey> {
        let len = u8::try_from(s.len())
            .ok()
            .filter(|&n| usize::from(n) <= INLINE_KEY_LEN)?;
        let mut bytes = [0; INLINE_KEY_LEN + 1];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        bytes[INLINE_KEY_LEN] = len;
        Some(InlineKey(bytes))
    }
}

/// A string-keyed map for the decision hot path. Keys of up to 63 bytes live in the table
/// itself as 64-byte arrays, so a lookup compares them in place, with no pointer to follow and
/// never as a short string: libc's `memcmp` reads strings of 32 bytes or fewer with masked
/// vector loads, which take a slow microcode path on some CPUs when the string ends just
/// before an unmapped page (about 160 ns a comparison instead of 2). Longer keys go through an
/// ordinary map; `memcmp` reads them with plain loads.
#[derive(Debug, Clone)]
struct StrMap<V> {
    short: FxHashMap<InlineKey, V>,
    long: FxHashMap<Box<str>, V>,
}

impl<V> Default for StrMap<V> {
    fn default() -> Self {
        StrMap {
            short: FxHashMap::default(),
            long: FxHashMap::default(),
        }
    }
}

impl<V: Copy> StrMap<V> {
    fn get(&self, key: &str) -> Option<V> {
        match InlineKey::new(key) {
            Some(k) => self.short.get(&k).copied(),
            None => self.long.get(key).copied(),
        }
    }

    fn insert(&mut self, key: &str, value: V) {
        match InlineKey::new(key) {
            Some(k) => self.short.insert(k, value),
            None => self.long.insert(key.into(), value),
        };
    }

    fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    /// The value of `key`, inserting `make(len)` first if absent.
    fn get_or_insert(&mut self, key: &str, make: impl FnOnce(usize) -> V) -> V {
        if let Some(v) = self.get(key) {
            return v;
        }
        let v = make(self.len());
        self.insert(key, v);
        v
    }

    fn map_values<W>(self, mut f: impl FnMut(V) -> W) -> StrMap<W> {
        StrMap {
            short: self.short.into_iter().map(|(k, v)| (k, f(v))).collect(),
            long: self.long.into_iter().map(|(k, v)| (k, f(v))).collect(),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Interner(StrMap<u32>);

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        self.0
            .get_or_insert(s, |len| u32::try_from(len).unwrap_or(UNKNOWN))
    }

    fn get(&self, s: &str) -> u32 {
        self.0.get(s).unwrap_or(UNKNOWN)
    }
}

/// Flags of a compiled rule: `*` among its verbs, API groups or resources.
const ALL_VERBS: u32 = 1;
const ALL_GROUPS: u32 = 2;
const ALL_RESOURCES: u32 = 4;

/// The rules of every role of an index, in the same order as their effective rules.
///
/// Each role's rules are one contiguous run of words, so checking a role reads one short
/// stretch of memory. A rule is its flags, then four counted lists: verbs, API groups,
/// (resource or [`ANY_RESOURCE`], subresource or [`NO_SUBRESOURCE`]) pairs flattened, and
/// resource names (empty: any name, or none).
#[derive(Debug, Clone, Default)]
pub struct CompiledRules {
    symbols: Interner,
    words: Vec<u32>,
    /// Per role: its run of `words`.
    roles: Vec<Range<u32>>,
}

/// A resource request with its strings interned.
#[derive(Debug, Clone, Copy)]
pub struct CompiledAction {
    verb: u32,
    group: u32,
    resource: u32,
    subresource: u32,
    name: u32,
}

fn offset(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Splits a counted list off the front of `words`.
fn counted(words: &[u32]) -> (&[u32], &[u32]) {
    match words.split_first() {
        Some((&n, rest)) => rest.split_at((n as usize).min(rest.len())),
        None => (&[], &[]),
    }
}

impl CompiledRules {
    pub fn build(roles: &[IndexedRole]) -> CompiledRules {
        let mut c = CompiledRules::default();
        for role in roles {
            let start = offset(c.words.len());
            for effective in &role.rules {
                c.compile(&effective.rule);
            }
            c.roles.push(start..offset(c.words.len()));
        }
        c
    }

    fn compile(&mut self, rule: &PolicyRule) {
        let all = |v: &[String]| v.iter().any(|s| s == "*");
        let groups = rule.api_groups.as_deref().unwrap_or_default();
        let resources = rule.resources.as_deref().unwrap_or_default();
        let names = rule.resource_names.as_deref().unwrap_or_default();
        let mut flags = 0;
        if all(&rule.verbs) {
            flags |= ALL_VERBS;
        }
        if all(groups) {
            flags |= ALL_GROUPS;
        }
        if all(resources) {
            flags |= ALL_RESOURCES;
        }
        self.words.push(flags);

        let verbs: Vec<u32> = rule.verbs.iter().map(|v| self.symbols.intern(v)).collect();
        self.push_counted(&verbs);
        let group_ids: Vec<u32> = groups.iter().map(|g| self.symbols.intern(g)).collect();
        self.push_counted(&group_ids);
        let mut pairs = Vec::with_capacity(resources.len() * 2);
        for r in resources {
            let (resource, subresource) = match r.split_once('/') {
                Some(("*", sub)) => (ANY_RESOURCE, self.symbols.intern(sub)),
                Some((res, sub)) => (self.symbols.intern(res), self.symbols.intern(sub)),
                None => (self.symbols.intern(r), NO_SUBRESOURCE),
            };
            pairs.extend([resource, subresource]);
        }
        self.push_counted(&pairs);
        let name_ids: Vec<u32> = names.iter().map(|n| self.symbols.intern(n)).collect();
        self.push_counted(&name_ids);
    }

    fn push_counted(&mut self, list: &[u32]) {
        self.words.push(offset(list.len()));
        self.words.extend_from_slice(list);
    }

    /// The interned form of a resource request, or `None` when only the string matcher can
    /// answer it exactly (a resource name containing `/`).
    pub fn action(&self, r: &ResourceAttributes) -> Option<CompiledAction> {
        if r.resource.contains('/') {
            return None;
        }
        Some(CompiledAction {
            verb: self.symbols.get(&r.verb),
            group: self.symbols.get(&r.api_group),
            resource: self.symbols.get(&r.resource),
            subresource: if r.subresource.is_empty() {
                NO_SUBRESOURCE
            } else {
                self.symbols.get(&r.subresource)
            },
            name: self.symbols.get(&r.name),
        })
    }

    /// The index of the first effective rule of `role` that allows the action.
    pub fn first_allowing(&self, role: usize, a: &CompiledAction) -> Option<usize> {
        let range = self.roles.get(role)?;
        let mut words = &self.words[range.start as usize..range.end as usize];
        let mut k = 0;
        while let Some((&flags, rest)) = words.split_first() {
            let (verbs, rest) = counted(rest);
            let (groups, rest) = counted(rest);
            let (pairs, rest) = counted(rest);
            let (names, rest) = counted(rest);
            words = rest;
            let allows = (flags & ALL_VERBS != 0 || verbs.contains(&a.verb))
                && (flags & ALL_GROUPS != 0 || groups.contains(&a.group))
                && (flags & ALL_RESOURCES != 0
                    || pairs.chunks_exact(2).any(|pair| {
                        if pair[0] == ANY_RESOURCE {
                            a.subresource != NO_SUBRESOURCE && pair[1] == a.subresource
                        } else {
                            pair[0] == a.resource && pair[1] == a.subresource
                        }
                    }))
                && (names.is_empty() || names.contains(&a.name));
            if allows {
                return Some(k);
            }
            k += 1;
        }
        None
    }
}

/// Subject → bindings for every scope, keyed by integers.
///
/// A `User` subject and a `ServiceAccount` subject both match when the request's user name is
/// one exact string (`NAME`, or `system:serviceaccount:NS:NAME`), so both are keyed by that
/// string; groups have their own table. Each (subject, scope) holds its bindings in visiting
/// order without duplicates. A subject's ClusterRoleBindings sit in its own table entry, so the
/// lookup of the name finds them; its RoleBindings are one integer-keyed lookup per namespace.
#[derive(Debug, Clone, Default)]
pub struct CompiledSubjects {
    namespaces: StrMap<u32>,
    users: StrMap<SubjectSlot>,
    groups: StrMap<SubjectSlot>,
    /// (slot, namespace scope) packed as `slot << 32 | scope` → a range of `bindings`.
    namespaced_lists: FxHashMap<u64, (u32, u32)>,
    /// The lists: (binding, its role or [`NO_ROLE`]), the role beside the binding so that
    /// a decision need not look it up.
    bindings: Vec<(u32, u32)>,
    /// Per binding: its role, or [`NO_ROLE`].
    binding_role: Vec<u32>,
    /// Per binding: a range of `subject_ranks` and `subject_slots`, in the order of its
    /// subjects.
    binding_subjects: Vec<Range<u32>>,
    subject_ranks: Vec<u32>,
    /// The slot of each subject, or [`NO_SLOT`] for one that matches no user.
    subject_slots: Vec<u32>,
    /// Per rank: one (binding, subject index) that holds that subject. Ranks number the
    /// distinct subjects of all bindings in (kind, namespace, name) order.
    rank_holders: Vec<(u32, u32)>,
}

/// A user name or group that some binding names: its slot (unique across users and groups),
/// its ClusterRoleBindings, and whether it has any RoleBinding.
#[derive(Debug, Clone, Copy)]
pub struct SubjectSlot {
    pub slot: u32,
    cluster: (u32, u32),
    namespaced: bool,
}

/// A binding subject that matches no user (an unknown kind, or a ClusterRoleBinding's service
/// account without a namespace).
const NO_SLOT: u32 = u32::MAX;

impl CompiledSubjects {
    pub fn build(bindings: &[IndexedBinding]) -> CompiledSubjects {
        let mut c = CompiledSubjects::default();
        let mut users: StrMap<u32> = StrMap::default();
        let mut groups: StrMap<u32> = StrMap::default();
        let mut lists: FxHashMap<(u32, u32), Vec<u32>> = FxHashMap::default();
        let mut slots_per_binding: Vec<Vec<u32>> = Vec::with_capacity(bindings.len());
        for (id, b) in bindings.iter().enumerate() {
            let id = offset(id);
            c.binding_role.push(
                b.role
                    .as_ref()
                    .map_or(NO_ROLE, |&r| u32::try_from(r).unwrap_or(NO_ROLE)),
            );
            let scope = match b.kind {
                BindingKind::ClusterRoleBinding => CLUSTER_SCOPE,
                BindingKind::RoleBinding => c.namespaces.get_or_insert(&b.namespace, offset),
            };
            let mut slots = Vec::with_capacity(b.subjects.len());
            for s in &b.subjects {
                let slot = match s.kind.as_str() {
                    "User" => intern_slot(&mut users, &s.name, &groups),
                    "Group" => intern_slot(&mut groups, &s.name, &users),
                    "ServiceAccount" => {
                        let ns = match s.namespace.as_deref() {
                            Some(ns) if !ns.is_empty() => ns,
                            _ => b.namespace.as_str(),
                        };
                        if ns.is_empty() {
                            NO_SLOT
                        } else {
                            let user = service_account_user(ns, &s.name);
                            intern_slot(&mut users, &user, &groups)
                        }
                    }
                    _ => NO_SLOT,
                };
                slots.push(slot);
                if slot == NO_SLOT {
                    continue;
                }
                let list = lists.entry((slot, scope)).or_default();
                if list.last() != Some(&id) {
                    list.push(id);
                }
            }
            slots_per_binding.push(slots);
        }
        let mut cluster_lists = vec![(0, 0); users.len() + groups.len()];
        let mut namespaced = vec![false; users.len() + groups.len()];
        for ((slot, scope), list) in lists {
            let start = offset(c.bindings.len());
            c.bindings
                .extend(list.iter().map(|&id| (id, c.binding_role[id as usize])));
            let range = (start, offset(c.bindings.len()));
            if scope == CLUSTER_SCOPE {
                cluster_lists[slot as usize] = range;
            } else {
                namespaced[slot as usize] = true;
                c.namespaced_lists
                    .insert(u64::from(slot) << 32 | u64::from(scope), range);
            }
        }
        let entry = |slot: u32| SubjectSlot {
            slot,
            cluster: cluster_lists[slot as usize],
            namespaced: namespaced[slot as usize],
        };
        c.users = users.map_values(entry);
        c.groups = groups.map_values(entry);
        c.rank_subjects(bindings, slots_per_binding);
        c
    }

    /// Numbers the distinct subjects in (kind, namespace, name) order, so that sorting by rank
    /// is sorting by subject, and lays out each binding's ranks and slots.
    fn rank_subjects(&mut self, bindings: &[IndexedBinding], slots: Vec<Vec<u32>>) {
        let mut all: Vec<((&str, &str, &str), u32, u32)> = Vec::new();
        for (id, b) in bindings.iter().enumerate() {
            for (k, s) in b.subjects.iter().enumerate() {
                all.push((subject_key(s, &b.namespace), offset(id), offset(k)));
            }
        }
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut ranks = vec![Vec::new(); bindings.len()];
        let mut previous = None;
        for (key, binding, k) in all {
            if previous != Some(key) {
                previous = Some(key);
                self.rank_holders.push((binding, k));
            }
            let rank = offset(self.rank_holders.len() - 1);
            ranks[binding as usize].push((k, rank));
        }
        for (mut per_binding, slots) in ranks.into_iter().zip(slots) {
            per_binding.sort_unstable();
            let start = offset(self.subject_ranks.len());
            self.subject_ranks
                .extend(per_binding.into_iter().map(|(_, rank)| rank));
            self.subject_slots.extend(slots);
            self.binding_subjects
                .push(start..offset(self.subject_ranks.len()));
        }
    }

    /// The namespace's scope, if any RoleBinding is in it.
    pub fn namespace(&self, namespace: &str) -> Option<u32> {
        self.namespaces.get(namespace)
    }

    /// The slot of a user name, if some binding names it (as a User or a ServiceAccount).
    pub fn user(&self, user: &str) -> Option<SubjectSlot> {
        self.users.get(user)
    }

    /// The slot of a group, if some binding names it.
    pub fn group(&self, group: &str) -> Option<SubjectSlot> {
        self.groups.get(group)
    }

    /// The bindings of a subject slot in the cluster scope, then in `namespace`'s scope, each
    /// with its role ([`CompiledSubjects::role_of`] of the binding, as a raw id).
    pub fn for_each_list(
        &self,
        subject: SubjectSlot,
        namespace: Option<u32>,
        mut visit: impl FnMut(&[(u32, u32)]),
    ) {
        let (start, end) = subject.cluster;
        if start < end {
            visit(&self.bindings[start as usize..end as usize]);
        }
        if subject.namespaced
            && let Some(scope) = namespace
            && let Some(&(start, end)) = self
                .namespaced_lists
                .get(&(u64::from(subject.slot) << 32 | u64::from(scope)))
        {
            visit(&self.bindings[start as usize..end as usize]);
        }
    }

    /// The index of the binding's first subject whose slot is one of `slots`: the subject the
    /// reason string names.
    pub fn first_subject_in(&self, binding: usize, slots: &[u32]) -> Option<usize> {
        let range = self.binding_subjects.get(binding)?;
        self.subject_slots[range.start as usize..range.end as usize]
            .iter()
            .position(|s| slots.contains(s))
    }

    /// The subject ranks of a binding, in the order of its subjects.
    pub fn subject_ranks(&self, binding: usize) -> &[u32] {
        self.binding_subjects.get(binding).map_or(&[], |r| {
            &self.subject_ranks[r.start as usize..r.end as usize]
        })
    }

    /// A (binding, subject index) holding the subject of this rank.
    pub fn rank_holder(&self, rank: u32) -> (usize, usize) {
        let (b, k) = self.rank_holders[rank as usize];
        (b as usize, k as usize)
    }

    /// The role of a binding, or `None` for a broken roleRef.
    pub fn role_of(&self, binding: u32) -> Option<usize> {
        match self.binding_role.get(binding as usize) {
            Some(&r) if r != NO_ROLE => Some(r as usize),
            _ => None,
        }
    }
}

/// (kind, namespace, name) of a subject as who-can reports it: a service account's namespace
/// defaults to its binding's, other kinds have none.
pub fn subject_key<'a>(
    s: &'a k8s_openapi::api::rbac::v1::Subject,
    binding_namespace: &'a str,
) -> (&'a str, &'a str, &'a str) {
    let namespace = match (s.kind.as_str(), s.namespace.as_deref()) {
        ("ServiceAccount", Some(ns)) if !ns.is_empty() => ns,
        ("ServiceAccount", _) => binding_namespace,
        _ => "",
    };
    (s.kind.as_str(), namespace, s.name.as_str())
}

/// Slots are shared between the user and group tables, so a slot names one subject.
fn intern_slot(map: &mut StrMap<u32>, s: &str, other: &StrMap<u32>) -> u32 {
    let other_len = other.len();
    map.get_or_insert(s, |len| offset(len + other_len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::entry::{EffectiveRule, RoleKind};
    use crate::model::Origin;
    use crate::rbac::matching::resource_rule_allows;

    fn role_of(rules: Vec<EffectiveRule>) -> IndexedRole {
        IndexedRole {
            kind: RoleKind::ClusterRole,
            namespace: String::new(),
            name: "r".into(),
            origin: Origin::at("test.yaml", 1, 1),
            aggregated: false,
            rules,
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn str_map_tells_apart_keys_of_every_length() {
        let keys: Vec<String> = ["", "a", "a\0", "\0", "ab"]
            .iter()
            .map(|k| k.to_string())
            .chain([62, 63, 64, 255, 256, 300].map(|n| "x".repeat(n)))
            .collect();
        let mut map = StrMap::default();
        for (k, key) in keys.iter().enumerate() {
            map.insert(key, k);
        }
        assert_eq!(map.len(), keys.len());
        for (k, key) in keys.iter().enumerate() {
            assert_eq!(map.get(key), Some(k), "{key:?}");
        }
        for absent in [
            "b",
            "a\0\0",
            &"x".repeat(61),
            &"x".repeat(65),
            &"y".repeat(63),
        ] {
            assert_eq!(map.get(absent), None, "{absent:?}");
        }
    }

    #[test]
    fn first_allowing_counts_rules_within_each_role() {
        let rule = |verb: &str, resource: &str| EffectiveRule {
            rule: PolicyRule {
                verbs: strings(&[verb]),
                api_groups: Some(strings(&[""])),
                resources: Some(strings(&[resource])),
                resource_names: None,
                non_resource_urls: None,
            },
            rule_index: 0,
            aggregated_from: None,
        };
        let compiled = CompiledRules::build(&[
            role_of(vec![rule("get", "pods"), rule("list", "pods")]),
            role_of(vec![]),
            role_of(vec![
                rule("get", "secrets"),
                rule("list", "pods"),
                rule("list", "pods"),
            ]),
        ]);
        let ask = |verb: &str, resource: &str| {
            let r = ResourceAttributes {
                verb: verb.into(),
                api_group: String::new(),
                resource: resource.into(),
                ..Default::default()
            };
            let action = compiled.action(&r).expect("no slash");
            (0..4)
                .map(|role| compiled.first_allowing(role, &action))
                .collect::<Vec<_>>()
        };
        assert_eq!(ask("list", "pods"), [Some(1), None, Some(1), None]);
        assert_eq!(ask("get", "pods"), [Some(0), None, None, None]);
        assert_eq!(ask("get", "secrets"), [None, None, Some(0), None]);
        assert_eq!(ask("watch", "pods"), [None, None, None, None]);
    }

    /// Every rule shape against every request shape: the integer matcher and the string
    /// matcher must agree on each pair, including the corner cases of `*/sub`, `pods/*`,
    /// empty strings and resourceNames.
    #[test]
    fn integer_and_string_matchers_agree() {
        let entries: &[&[&str]] = &[
            &["*"],
            &["pods"],
            &["pods/log"],
            &["*/log"],
            &["pods/*"],
            &["*/*"],
            &["*/"],
            &["/log"],
            &[""],
            &["pods", "*/scale"],
            &["pods/log/x"],
        ];
        let verb_sets: &[&[&str]] = &[&["*"], &["get"], &["get", "list"], &[]];
        let group_sets: &[&[&str]] = &[&["*"], &[""], &["apps"], &[]];
        let name_sets: &[&[&str]] = &[&[], &["a"], &[""]];
        let mut rules = Vec::new();
        for r in entries {
            for v in verb_sets {
                for g in group_sets {
                    for n in name_sets {
                        rules.push(PolicyRule {
                            verbs: strings(v),
                            api_groups: Some(strings(g)),
                            resources: Some(strings(r)),
                            resource_names: (!n.is_empty()).then(|| strings(n)),
                            non_resource_urls: None,
                        });
                    }
                }
            }
        }
        // One role per rule, so that `first_allowing` answers for each rule alone.
        let roles: Vec<IndexedRole> = rules
            .iter()
            .map(|rule| {
                role_of(vec![EffectiveRule {
                    rule: rule.clone(),
                    rule_index: 0,
                    aggregated_from: None,
                }])
            })
            .collect();
        let compiled = CompiledRules::build(&roles);
        let mut checked = 0;
        for verb in ["get", "list", "delete", "*", ""] {
            for group in ["", "apps", "*", "other"] {
                for (resource, subresource) in [
                    ("pods", ""),
                    ("pods", "log"),
                    ("pods", "*"),
                    ("nodes", "log"),
                    ("pods", "log/x"),
                    ("*", "log"),
                    ("*", ""),
                    ("", ""),
                    ("", "log"),
                    ("deployments", "scale"),
                    ("unknown", ""),
                ] {
                    for name in ["", "a", "b"] {
                        let r = ResourceAttributes {
                            verb: verb.into(),
                            api_group: group.into(),
                            resource: resource.into(),
                            subresource: subresource.into(),
                            name: name.into(),
                            namespace: String::new(),
                        };
                        let action = compiled.action(&r).expect("no slash in resource");
                        for (k, rule) in rules.iter().enumerate() {
                            assert_eq!(
                                compiled.first_allowing(k, &action).is_some(),
                                resource_rule_allows(rule, &r),
                                "rule {rule:?} request {r:?}"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 100_000);
    }
}
