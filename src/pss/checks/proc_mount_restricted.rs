//! Restricted check `procMount_restricted` (v1.35+): the strict `procMount` rule regardless of
//! user namespaces; it replaces the relaxed baseline `procMount` at level restricted.

use super::proc_mount::proc_mount_strict;
use super::{Check, CheckId, VersionedCheck};
use crate::pss::level::Level;

pub(super) static CHECK: Check = Check {
    id: CheckId::ProcMountRestricted,
    level: Level::Restricted,
    versions: &[VersionedCheck {
        minimum_minor: 35,
        check_pod: proc_mount_strict,
        override_check_ids: &[CheckId::ProcMount],
    }],
};
