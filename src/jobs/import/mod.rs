//! Contact import (kinds `import` and `import_dry_run`).

use super::{JobError, JobKind, Run};

/// Imports a file's rows as contacts.
pub struct Import;

/// Counts what [`Import`] would do, writing nothing.
pub struct DryRun;

impl JobKind for Import {
    fn name(&self) -> &'static str {
        "import"
    }

    fn label(&self) -> &'static str {
        "Import"
    }

    fn run(&self, _run: &mut Run<'_>) -> Result<(), JobError> {
        Err(JobError::Failed("not yet".into()))
    }
}

impl JobKind for DryRun {
    fn name(&self) -> &'static str {
        "import_dry_run"
    }

    fn label(&self) -> &'static str {
        "Dry run"
    }

    fn run(&self, _run: &mut Run<'_>) -> Result<(), JobError> {
        Err(JobError::Failed("not yet".into()))
    }
}
