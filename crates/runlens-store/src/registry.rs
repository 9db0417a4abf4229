//! The model registry: registered models, versions, stages, aliases and tags, plus a history
//! of every stage transition and alias change (`registry_events`).

use rusqlite::{params, OptionalExtension, Row};

use crate::model::KeyValue;
use crate::{Error, Read, Result, Write};

/// MLflow's (deprecated, still used) stages.
pub const STAGES: [&str; 4] = ["None", "Staging", "Production", "Archived"];

/// The canonical spelling of a stage, case-insensitively; [`Error::Invalid`] otherwise.
pub fn canonical_stage(stage: &str) -> Result<&'static str> {
    STAGES.iter().find(|s| s.eq_ignore_ascii_case(stage.trim())).copied().ok_or_else(|| {
        Error::Invalid(format!(
            "Invalid Model Version stage: {stage}. Value must be one of None, Staging, Production, Archived."
        ))
    })
}

/// A model version.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelVersion {
    /// Registered model name.
    pub name: String,
    /// Version number (1, 2, …).
    pub version: i64,
    /// Creation (ms).
    pub creation_time: Option<i64>,
    /// Last update (ms).
    pub last_updated_time: Option<i64>,
    /// Description.
    pub description: Option<String>,
    /// Who created it.
    pub user_id: Option<String>,
    /// Stage.
    pub current_stage: String,
    /// Source URI (`runs:/…`, `models:/m-…`, `mlflow-artifacts:/…`).
    pub source: Option<String>,
    /// Source run.
    pub run_id: Option<String>,
    /// Link to the run.
    pub run_link: Option<String>,
    /// Logged model id (MLflow 3).
    pub model_id: Option<String>,
    /// `READY`, `PENDING_REGISTRATION`, `FAILED_REGISTRATION`.
    pub status: String,
    /// Status detail.
    pub status_message: Option<String>,
    /// Tags.
    pub tags: Vec<KeyValue>,
    /// Aliases pointing at this version.
    pub aliases: Vec<String>,
}

/// A registered model.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisteredModel {
    /// Unique name.
    pub name: String,
    /// Creation (ms).
    pub creation_time: Option<i64>,
    /// Last update (ms).
    pub last_updated_time: Option<i64>,
    /// Description.
    pub description: Option<String>,
    /// Latest version in each stage that has one, in stage order.
    pub latest_versions: Vec<ModelVersion>,
    /// Tags.
    pub tags: Vec<KeyValue>,
    /// Aliases and the versions they point at, by alias.
    pub aliases: Vec<(String, i64)>,
}

/// One recorded registry change.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryEvent {
    /// Model name.
    pub name: String,
    /// Version concerned.
    pub version: Option<i64>,
    /// `stage`, `alias_set`, `alias_deleted`, `version_created`, `version_deleted`.
    pub kind: String,
    /// Before.
    pub old_value: Option<String>,
    /// After.
    pub new_value: Option<String>,
    /// When (ms).
    pub time: i64,
}

fn not_found_model(name: &str) -> Error {
    Error::NotFound(format!("Registered Model with name={name} not found"))
}

fn not_found_version(name: &str, version: i64) -> Error {
    Error::NotFound(format!("Model Version (name={name}, version={version}) not found"))
}

/// Records a registry change (stage moves, alias changes) in the history.
pub fn record(
    tx: &Write<'_>,
    name: &str,
    version: Option<i64>,
    kind: &str,
    old: Option<&str>,
    new: Option<&str>,
    now: i64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO registry_events (name, version, kind, old_value, new_value, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![name, version, kind, old, new, now])?;
    Ok(())
}

fn require_model(conn: &Read, name: &str) -> Result<()> {
    let exists: bool = conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM registered_models WHERE name = ?1)")?
        .query_row(params![name], |r| r.get(0))?;
    if exists {
        Ok(())
    } else {
        Err(not_found_model(name))
    }
}

fn touch_model(tx: &Write<'_>, name: &str, now: i64) -> Result<()> {
    tx.execute("UPDATE registered_models SET last_updated_time = ?2 WHERE name = ?1", params![name, now])?;
    Ok(())
}

/// Creates a registered model.
pub fn create_model(
    tx: &Write<'_>,
    name: &str,
    description: Option<&str>,
    tags: &[KeyValue],
    now: i64,
) -> Result<RegisteredModel> {
    let n = tx.execute(
        "INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES (?1, ?2, ?2, ?3)
         ON CONFLICT (name) DO NOTHING",
        params![name, now, description],
    )?;
    if n == 0 {
        return Err(Error::AlreadyExists(format!("Registered Model (name={name}) already exists.")));
    }
    for t in tags {
        set_model_tag(tx, name, &t.key, &t.value)?;
    }
    get_model(tx, name)
}

fn model_tags(conn: &Read, name: &str) -> Result<Vec<KeyValue>> {
    let mut stmt = conn.prepare_cached("SELECT key, value FROM registered_model_tags WHERE name = ?1 ORDER BY key")?;
    let rows = stmt.query_map(params![name], |r| Ok(KeyValue::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn model_aliases(conn: &Read, name: &str) -> Result<Vec<(String, i64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT alias, version FROM registered_model_aliases WHERE name = ?1 ORDER BY alias")?;
    let rows = stmt.query_map(params![name], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A registered model with its tags, aliases and latest version per stage.
pub fn get_model(conn: &Read, name: &str) -> Result<RegisteredModel> {
    let row = conn
        .prepare_cached(
            "SELECT name, creation_time, last_updated_time, description FROM registered_models WHERE name = ?1",
        )?
        .query_row(params![name], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?
        .ok_or_else(|| not_found_model(name))?;
    Ok(RegisteredModel {
        latest_versions: latest_versions(conn, &row.0, &[])?,
        tags: model_tags(conn, &row.0)?,
        aliases: model_aliases(conn, &row.0)?,
        name: row.0,
        creation_time: row.1,
        last_updated_time: row.2,
        description: row.3,
    })
}

/// Renames a model; its versions, tags and aliases follow.
pub fn rename_model(tx: &Write<'_>, name: &str, new_name: &str, now: i64) -> Result<RegisteredModel> {
    require_model(tx, name)?;
    if name != new_name && get_model(tx, new_name).is_ok() {
        return Err(Error::AlreadyExists(format!("Registered Model (name={new_name}) already exists.")));
    }
    tx.execute(
        "UPDATE registered_models SET name = ?2, last_updated_time = ?3 WHERE name = ?1",
        params![name, new_name, now],
    )?;
    tx.execute("UPDATE registry_events SET name = ?2 WHERE name = ?1", params![name, new_name])?;
    record(tx, new_name, None, "renamed", Some(name), Some(new_name), now)?;
    get_model(tx, new_name)
}

/// Sets a model's description.
pub fn update_model(tx: &Write<'_>, name: &str, description: Option<&str>, now: i64) -> Result<RegisteredModel> {
    require_model(tx, name)?;
    tx.execute(
        "UPDATE registered_models SET description = ?2, last_updated_time = ?3 WHERE name = ?1",
        params![name, description, now],
    )?;
    get_model(tx, name)
}

/// Deletes a model with all its versions, tags and aliases.
pub fn delete_model(tx: &Write<'_>, name: &str) -> Result<()> {
    require_model(tx, name)?;
    tx.execute("DELETE FROM registered_models WHERE name = ?1", params![name])?;
    // A model created later under the same name starts with a history of its own.
    tx.execute("DELETE FROM registry_events WHERE name = ?1", params![name])?;
    Ok(())
}

/// Sets a model tag.
pub fn set_model_tag(tx: &Write<'_>, name: &str, key: &str, value: &str) -> Result<()> {
    require_model(tx, name)?;
    tx.prepare_cached(
        "INSERT INTO registered_model_tags (name, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (name, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![name, key, value])?;
    Ok(())
}

/// Deletes a model tag.
pub fn delete_model_tag(tx: &Write<'_>, name: &str, key: &str) -> Result<()> {
    require_model(tx, name)?;
    let n = tx.execute("DELETE FROM registered_model_tags WHERE name = ?1 AND key = ?2", params![name, key])?;
    if n == 0 {
        return Err(Error::NotFound(format!("No tag with key '{key}' on registered model '{name}'")));
    }
    Ok(())
}

const VERSION_COLUMNS: &str = "name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, run_link, model_id, status, status_message";

fn version_from_row(r: &Row<'_>) -> rusqlite::Result<ModelVersion> {
    Ok(ModelVersion {
        name: r.get(0)?,
        version: r.get(1)?,
        creation_time: r.get(2)?,
        last_updated_time: r.get(3)?,
        description: r.get(4)?,
        user_id: r.get(5)?,
        current_stage: r.get(6)?,
        source: r.get(7)?,
        run_id: r.get(8)?,
        run_link: r.get(9)?,
        model_id: r.get(10)?,
        status: r.get(11)?,
        status_message: r.get(12)?,
        tags: Vec::new(),
        aliases: Vec::new(),
    })
}

fn complete(conn: &Read, mut v: ModelVersion) -> Result<ModelVersion> {
    let mut stmt =
        conn.prepare_cached("SELECT key, value FROM model_version_tags WHERE name = ?1 AND version = ?2 ORDER BY key")?;
    v.tags = stmt
        .query_map(params![v.name, v.version], |r| Ok(KeyValue::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn
        .prepare_cached("SELECT alias FROM registered_model_aliases WHERE name = ?1 AND version = ?2 ORDER BY alias")?;
    v.aliases = stmt.query_map(params![v.name, v.version], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(v)
}

/// One version, with tags and aliases.
pub fn get_version(conn: &Read, name: &str, version: i64) -> Result<ModelVersion> {
    require_model(conn, name)?;
    let v = conn
        .prepare_cached(&format!("SELECT {VERSION_COLUMNS} FROM model_versions WHERE name = ?1 AND version = ?2"))?
        .query_row(params![name, version], version_from_row)
        .optional()?
        .ok_or_else(|| not_found_version(name, version))?;
    complete(conn, v)
}

/// The latest version in each of `stages` (all stages when empty), in stage order.
pub fn latest_versions(conn: &Read, name: &str, stages: &[&str]) -> Result<Vec<ModelVersion>> {
    let mut out = Vec::new();
    for stage in STAGES {
        if !stages.is_empty() && !stages.contains(&stage) {
            continue;
        }
        let v = conn
            .prepare_cached(&format!(
                "SELECT {VERSION_COLUMNS} FROM model_versions WHERE name = ?1 AND current_stage = ?2 ORDER BY version DESC LIMIT 1"
            ))?
            .query_row(params![name, stage], version_from_row)
            .optional()?;
        if let Some(v) = v {
            out.push(complete(conn, v)?);
        }
    }
    Ok(out)
}

/// What is needed to create a version.
#[derive(Debug, Clone, Default)]
pub struct NewVersion {
    /// Registered model (must exist).
    pub name: String,
    /// Source URI.
    pub source: String,
    /// Source run.
    pub run_id: Option<String>,
    /// Link to the run.
    pub run_link: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Logged model (MLflow 3).
    pub model_id: Option<String>,
    /// Creator.
    pub user_id: Option<String>,
    /// Tags.
    pub tags: Vec<KeyValue>,
    /// Keep this number (imports); `None` takes the next.
    pub version: Option<i64>,
}

/// Creates the next version of a model, in stage `None`, status `READY`.
pub fn create_version(tx: &Write<'_>, new: NewVersion, now: i64) -> Result<ModelVersion> {
    require_model(tx, &new.name)?;
    let version = match new.version {
        Some(v) => v,
        // As MLflow, a deleted version's number is never given again.
        None => tx.query_row(
            "SELECT COALESCE(MAX(v), 0) + 1 FROM (
               SELECT MAX(version) AS v FROM model_versions WHERE name = ?1
               UNION ALL SELECT MAX(version) FROM registry_events WHERE name = ?1 AND kind = 'version_deleted')",
            params![new.name],
            |r| r.get(0),
        )?,
    };
    tx.execute(
        "INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, run_link, model_id, status)
         VALUES (?1, ?2, ?3, ?3, ?4, ?5, 'None', ?6, ?7, ?8, ?9, 'READY')",
        params![new.name, version, now, new.description, new.user_id, new.source, new.run_id, new.run_link, new.model_id],
    )?;
    for t in &new.tags {
        set_version_tag(tx, &new.name, version, &t.key, &t.value)?;
    }
    touch_model(tx, &new.name, now)?;
    record(tx, &new.name, Some(version), "version_created", None, Some("None"), now)?;
    get_version(tx, &new.name, version)
}

/// Sets a version's description.
pub fn update_version(
    tx: &Write<'_>,
    name: &str,
    version: i64,
    description: Option<&str>,
    now: i64,
) -> Result<ModelVersion> {
    get_version(tx, name, version)?;
    tx.execute(
        "UPDATE model_versions SET description = ?3, last_updated_time = ?4 WHERE name = ?1 AND version = ?2",
        params![name, version, description, now],
    )?;
    get_version(tx, name, version)
}

/// Moves a version to a stage; with `archive_existing`, other versions in that stage
/// (Staging or Production only) move to Archived. Every move is recorded.
pub fn transition_stage(
    tx: &Write<'_>,
    name: &str,
    version: i64,
    stage: &str,
    archive_existing: bool,
    now: i64,
) -> Result<ModelVersion> {
    let stage = canonical_stage(stage)?;
    let current = get_version(tx, name, version)?;
    if archive_existing && matches!(stage, "Staging" | "Production") {
        let others: Vec<i64> = tx
            .prepare("SELECT version FROM model_versions WHERE name = ?1 AND current_stage = ?2 AND version != ?3")?
            .query_map(params![name, stage, version], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for other in others {
            tx.execute(
                "UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ?3 WHERE name = ?1 AND version = ?2",
                params![name, other, now],
            )?;
            record(tx, name, Some(other), "stage", Some(stage), Some("Archived"), now)?;
        }
    }
    tx.execute(
        "UPDATE model_versions SET current_stage = ?3, last_updated_time = ?4 WHERE name = ?1 AND version = ?2",
        params![name, version, stage, now],
    )?;
    if current.current_stage != stage {
        record(tx, name, Some(version), "stage", Some(&current.current_stage), Some(stage), now)?;
    }
    touch_model(tx, name, now)?;
    get_version(tx, name, version)
}

/// Deletes a version and the aliases pointing at it. The history keeps the stage it was in
/// and each alias removed with it.
pub fn delete_version(tx: &Write<'_>, name: &str, version: i64, now: i64) -> Result<()> {
    let v = get_version(tx, name, version)?;
    for alias in &v.aliases {
        record(tx, name, Some(version), "alias_deleted", Some(alias), None, now)?;
    }
    tx.execute("DELETE FROM registered_model_aliases WHERE name = ?1 AND version = ?2", params![name, version])?;
    tx.execute("DELETE FROM model_versions WHERE name = ?1 AND version = ?2", params![name, version])?;
    record(tx, name, Some(version), "version_deleted", Some(&v.current_stage), None, now)?;
    touch_model(tx, name, now)
}

/// Sets a version tag.
pub fn set_version_tag(tx: &Write<'_>, name: &str, version: i64, key: &str, value: &str) -> Result<()> {
    get_version(tx, name, version)?;
    tx.prepare_cached(
        "INSERT INTO model_version_tags (name, version, key, value) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![name, version, key, value])?;
    Ok(())
}

/// Deletes a version tag.
pub fn delete_version_tag(tx: &Write<'_>, name: &str, version: i64, key: &str) -> Result<()> {
    get_version(tx, name, version)?;
    let n = tx.execute(
        "DELETE FROM model_version_tags WHERE name = ?1 AND version = ?2 AND key = ?3",
        params![name, version, key],
    )?;
    if n == 0 {
        return Err(Error::NotFound(format!("No tag with key '{key}' on model version {name}/{version}")));
    }
    Ok(())
}

/// Points an alias at a version (moving it if it pointed elsewhere).
pub fn set_alias(tx: &Write<'_>, name: &str, alias: &str, version: i64, now: i64) -> Result<()> {
    get_version(tx, name, version)?;
    let old: Option<i64> = tx
        .query_row(
            "SELECT version FROM registered_model_aliases WHERE name = ?1 AND alias = ?2",
            params![name, alias],
            |r| r.get(0),
        )
        .optional()?;
    tx.execute(
        "INSERT INTO registered_model_aliases (name, alias, version) VALUES (?1, ?2, ?3)
         ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version",
        params![name, alias, version],
    )?;
    if old != Some(version) {
        record(tx, name, Some(version), "alias_set", old.map(|o| format!("{alias}@{o}")).as_deref(), Some(alias), now)?;
    }
    touch_model(tx, name, now)
}

/// Removes an alias.
pub fn delete_alias(tx: &Write<'_>, name: &str, alias: &str, now: i64) -> Result<()> {
    require_model(tx, name)?;
    let old: Option<i64> = tx
        .query_row(
            "SELECT version FROM registered_model_aliases WHERE name = ?1 AND alias = ?2",
            params![name, alias],
            |r| r.get(0),
        )
        .optional()?;
    let Some(old) = old else {
        return Err(Error::NotFound(format!("Registered model alias {alias} not found.")));
    };
    tx.execute("DELETE FROM registered_model_aliases WHERE name = ?1 AND alias = ?2", params![name, alias])?;
    record(tx, name, Some(old), "alias_deleted", Some(alias), None, now)?;
    touch_model(tx, name, now)
}

/// The version an alias points at.
pub fn version_by_alias(conn: &Read, name: &str, alias: &str) -> Result<ModelVersion> {
    require_model(conn, name)?;
    let version: i64 = conn
        .query_row(
            "SELECT version FROM registered_model_aliases WHERE name = ?1 AND alias = ?2",
            params![name, alias],
            |r| r.get(0),
        )
        .optional()?
        // MLflow answers an unknown alias with INVALID_PARAMETER_VALUE, not a 404.
        .ok_or_else(|| Error::Invalid(format!("Registered model alias {alias} not found.")))?;
    get_version(conn, name, version)
}

/// The recorded history of a model (all versions), oldest first.
pub fn events(conn: &Read, name: &str) -> Result<Vec<RegistryEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, version, kind, old_value, new_value, time FROM registry_events WHERE name = ?1 ORDER BY time, id",
    )?;
    let rows = stmt.query_map(params![name], |r| {
        Ok(RegistryEvent {
            name: r.get(0)?,
            version: r.get(1)?,
            kind: r.get(2)?,
            old_value: r.get(3)?,
            new_value: r.get(4)?,
            time: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A registered model as the models list shows it: the model and how many versions it has.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSummary {
    /// The model, with its latest version per stage, tags and aliases.
    pub model: RegisteredModel,
    /// Number of versions.
    pub version_count: i64,
}

/// Every registered model whose name contains `filter` (case-insensitively), by name.
pub fn summaries(conn: &Read, filter: &str) -> Result<Vec<ModelSummary>> {
    let names: Vec<String> = conn
        .prepare_cached(
            "SELECT name FROM registered_models WHERE instr(lower(name), lower(?1)) > 0 ORDER BY lower(name), name",
        )?
        .query_map(params![filter], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut count = conn.prepare_cached("SELECT COUNT(*) FROM model_versions WHERE name = ?1")?;
    names
        .into_iter()
        .map(|name| {
            let version_count = count.query_row(params![name], |r| r.get(0))?;
            Ok(ModelSummary { model: get_model(conn, &name)?, version_count })
        })
        .collect()
}

/// Every version of a model, newest first, with tags and aliases.
pub fn versions_of(conn: &Read, name: &str) -> Result<Vec<ModelVersion>> {
    require_model(conn, name)?;
    let rows: Vec<ModelVersion> = conn
        .prepare_cached(&format!("SELECT {VERSION_COLUMNS} FROM model_versions WHERE name = ?1 ORDER BY version DESC"))?
        .query_map(params![name], version_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter().map(|v| complete(conn, v)).collect()
}

/// One version as a board shows it at some time.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardVersion {
    /// Version number.
    pub version: i64,
    /// Its stage then.
    pub stage: String,
    /// The aliases pointing at it then.
    pub aliases: Vec<String>,
    /// Its record now; `None` for a version deleted since.
    pub current: Option<ModelVersion>,
}

/// A model's versions as they stood at `at` (ms), or now: newest first.
///
/// The past is replayed from the recorded history. What was never recorded (a registry
/// imported from MLflow keeps no history) is taken as it is now; a version deleted since
/// comes back with the stage it was deleted in.
pub fn board(conn: &Read, name: &str, at: Option<i64>) -> Result<Vec<BoardVersion>> {
    let current = versions_of(conn, name)?;
    match at {
        None => Ok(current
            .into_iter()
            .map(|v| BoardVersion {
                version: v.version,
                stage: v.current_stage.clone(),
                aliases: v.aliases.clone(),
                current: Some(v),
            })
            .collect()),
        Some(at) => {
            let aliases = model_aliases(conn, name)?;
            Ok(replay(current, &aliases, &events(conn, name)?, at))
        }
    }
}

/// The board at `at` from the versions and aliases now and the history (oldest first).
pub fn replay(
    current: Vec<ModelVersion>,
    aliases: &[(String, i64)],
    events: &[RegistryEvent],
    at: i64,
) -> Vec<BoardVersion> {
    use std::collections::{BTreeMap, BTreeSet};
    let of_version = |v: i64| events.iter().filter(move |e| e.version == Some(v));
    let created_at = |v: i64| of_version(v).find(|e| e.kind == "version_created").map(|e| e.time);
    // The value of a recorded property at `at`: the last change up to then, else the state
    // before the first change after it, else (never changed) what it is now.
    fn at_time<'a, T>(
        changes: impl Iterator<Item = &'a RegistryEvent>,
        at: i64,
        after: impl Fn(&RegistryEvent) -> T,
        before: impl Fn(&RegistryEvent) -> T,
        now: T,
    ) -> T {
        let mut first_later = None;
        let mut last_earlier = None;
        for e in changes {
            if e.time <= at {
                last_earlier = Some(e);
            } else if first_later.is_none() {
                first_later = Some(e);
            }
        }
        match (last_earlier, first_later) {
            (Some(e), _) => after(e),
            (None, Some(e)) => before(e),
            (None, None) => now,
        }
    }

    let mut board: BTreeMap<i64, BoardVersion> = BTreeMap::new();
    for v in current {
        if v.creation_time.or(created_at(v.version)).is_some_and(|c| c > at) {
            continue;
        }
        board.insert(
            v.version,
            BoardVersion { version: v.version, stage: v.current_stage.clone(), aliases: Vec::new(), current: Some(v) },
        );
    }
    for e in events.iter().filter(|e| e.kind == "version_deleted" && e.time > at) {
        let Some(v) = e.version else { continue };
        let deleted_before = of_version(v).any(|d| d.kind == "version_deleted" && d.time <= at);
        if board.contains_key(&v) || deleted_before || created_at(v).is_some_and(|c| c > at) {
            continue;
        }
        let stage = e.old_value.clone().unwrap_or_else(|| "None".into());
        board.insert(v, BoardVersion { version: v, stage, aliases: Vec::new(), current: None });
    }
    for b in board.values_mut() {
        let now = b.stage.clone();
        b.stage = at_time(
            of_version(b.version).filter(|e| e.kind == "stage"),
            at,
            |e| e.new_value.clone().unwrap_or_default(),
            |e| e.old_value.clone().unwrap_or_default(),
            now,
        );
    }
    let mut names: BTreeSet<&str> = aliases.iter().map(|(a, _)| a.as_str()).collect();
    for e in events {
        match e.kind.as_str() {
            "alias_set" => names.extend(e.new_value.as_deref()),
            "alias_deleted" => names.extend(e.old_value.as_deref()),
            _ => {}
        }
    }
    for alias in names {
        let changes = events.iter().filter(|e| match e.kind.as_str() {
            "alias_set" => e.new_value.as_deref() == Some(alias),
            "alias_deleted" => e.old_value.as_deref() == Some(alias),
            _ => false,
        });
        let now = aliases.iter().find(|(a, _)| a == alias).map(|(_, v)| *v);
        let points_at = at_time(
            changes,
            at,
            |e| if e.kind == "alias_set" { e.version } else { None },
            |e| {
                if e.kind == "alias_set" {
                    // `alias@old` when it moved; nothing when it was new.
                    e.old_value.as_deref().and_then(|o| o.rsplit_once('@')).and_then(|(_, v)| v.parse().ok())
                } else {
                    e.version
                }
            },
            now,
        );
        if let Some(b) = points_at.and_then(|v| board.get_mut(&v)) {
            b.aliases.push(alias.to_string());
        }
    }
    board.into_values().rev().collect()
}

/// Loads versions by key, completing each.
pub(crate) fn load_versions(conn: &Read, keys: &[(String, i64)]) -> Result<Vec<ModelVersion>> {
    keys.iter().map(|(n, v)| get_version(conn, n, *v)).collect()
}

/// Loads models by name.
pub(crate) fn load_models(conn: &Read, names: &[String]) -> Result<Vec<RegisteredModel>> {
    names.iter().map(|n| get_model(conn, n)).collect()
}

/// Creates or updates an imported registered model (times and description from the source).
pub fn upsert_imported_model(
    tx: &Write<'_>,
    name: &str,
    creation_time: Option<i64>,
    last_updated_time: Option<i64>,
    description: Option<&str>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET creation_time = excluded.creation_time,
           last_updated_time = excluded.last_updated_time, description = excluded.description",
        params![name, creation_time, last_updated_time, description],
    )?;
    Ok(())
}

/// Creates or updates an imported model version under its own number.
pub fn upsert_imported_version(tx: &Write<'_>, v: &ModelVersion) -> Result<()> {
    tx.execute(
        "INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, run_link, model_id, status, status_message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (name, version) DO UPDATE SET creation_time = excluded.creation_time,
           last_updated_time = excluded.last_updated_time, description = excluded.description, user_id = excluded.user_id,
           current_stage = excluded.current_stage, source = excluded.source, run_id = excluded.run_id,
           run_link = excluded.run_link, model_id = excluded.model_id, status = excluded.status,
           status_message = excluded.status_message",
        params![
            v.name,
            v.version,
            v.creation_time,
            v.last_updated_time,
            v.description,
            v.user_id,
            canonical_stage(&v.current_stage).unwrap_or("None"),
            v.source,
            v.run_id,
            v.run_link,
            v.model_id,
            v.status,
            v.status_message
        ],
    )?;
    for t in &v.tags {
        set_version_tag(tx, &v.name, v.version, &t.key, &t.value)?;
    }
    Ok(())
}

/// MLflow's mark on a deleted version (its row stays, so the number is never given again).
pub const DELETED_INTERNAL: &str = "Deleted_Internal";

/// Records a version the source deleted (MLflow keeps it as `Deleted_Internal`): a version
/// imported before is removed, and its number is never given again.
pub fn record_imported_deletion(tx: &Write<'_>, name: &str, version: i64, time: Option<i64>) -> Result<()> {
    tx.execute("DELETE FROM registered_model_aliases WHERE name = ?1 AND version = ?2", params![name, version])?;
    tx.execute("DELETE FROM model_versions WHERE name = ?1 AND version = ?2", params![name, version])?;
    let known: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM registry_events WHERE name = ?1 AND version = ?2 AND kind = 'version_deleted')",
        params![name, version],
        |r| r.get(0),
    )?;
    if !known {
        record(tx, name, Some(version), "version_deleted", None, None, time.unwrap_or(0))?;
    }
    Ok(())
}

/// Sets an alias as the source records it, without writing a history event (imports).
pub fn set_imported_alias(tx: &Write<'_>, name: &str, alias: &str, version: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO registered_model_aliases (name, alias, version) VALUES (?1, ?2, ?3)
         ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version",
        params![name, alias, version],
    )?;
    Ok(())
}
