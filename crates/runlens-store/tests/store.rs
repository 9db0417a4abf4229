//! Store tests: each opens a fresh store in a temporary directory.

use runlens_store::experiments::{self, NewExperiment};
use runlens_store::filter::{self, Dialect};
use runlens_store::search::{self, RunQuery};
use runlens_store::{metrics, params, runs, tags, Error, KeyValue, Lifecycle, Metric, Store, ViewType};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

fn new_experiment(store: &Store, name: &str) -> i64 {
    store
        .write(|tx| {
            experiments::create(
                tx,
                NewExperiment { name: name.into(), artifact_location: None, tags: vec![], experiment_id: None },
                1000,
            )
        })
        .unwrap()
}

fn new_run(store: &Store, exp: i64, name: &str, start: i64) -> (String, i64) {
    store
        .write(|tx| {
            let run = runs::create(
                tx,
                runs::NewRun {
                    run_id: None,
                    experiment_id: exp,
                    run_name: name.into(),
                    user_id: "u".into(),
                    start_time: Some(start),
                    tags: vec![],
                },
            )?;
            let h = runs::handle(tx, &run.info.run_id)?;
            Ok((run.info.run_id, h))
        })
        .unwrap()
}

#[test]
fn a_newer_schema_is_refused_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let conn = rusqlite_conn(dir.path());
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, Error::SchemaTooNew { found: 999, .. }), "got {err}");
    assert!(err.to_string().contains("update Runlens"), "the message says what to do: {err}");
}

fn rusqlite_conn(dir: &std::path::Path) -> runlens_store::Read {
    runlens_store::Read::open(dir.join("runlens.db")).unwrap()
}

#[test]
fn reopening_keeps_data_and_does_not_migrate_twice() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        new_experiment(&store, "kept");
    }
    let store = Store::open(dir.path()).unwrap();
    let found = store.read(|c| experiments::get_by_name(c, "kept")).unwrap();
    assert!(found.is_some());
}

#[test]
fn experiment_names_are_unique_and_deletion_takes_runs_along() {
    let (_d, store) = store();
    let exp = new_experiment(&store, "e");
    let err = store
        .write(|tx| {
            experiments::create(
                tx,
                NewExperiment { name: "e".into(), artifact_location: None, tags: vec![], experiment_id: None },
                1,
            )
        })
        .unwrap_err();
    assert!(matches!(err, Error::AlreadyExists(_)));
    let (run_id, _) = new_run(&store, exp, "r", 1);
    store.write(|tx| experiments::set_lifecycle(tx, exp, Lifecycle::Deleted, 5)).unwrap();
    let info = store.read(|c| runs::info(c, &run_id)).unwrap();
    assert_eq!(info.lifecycle_stage, Lifecycle::Deleted);
    store.write(|tx| experiments::set_lifecycle(tx, exp, Lifecycle::Active, 6)).unwrap();
    let info = store.read(|c| runs::info(c, &run_id)).unwrap();
    assert_eq!(info.lifecycle_stage, Lifecycle::Active);
}

#[test]
fn params_are_immutable_and_tags_rename_runs() {
    let (_d, store) = store();
    let exp = new_experiment(&store, "e");
    let (run_id, h) = new_run(&store, exp, "first", 1);
    store.write(|tx| params::log(tx, h, &run_id, "lr", "0.1")).unwrap();
    store.write(|tx| params::log(tx, h, &run_id, "lr", "0.1")).unwrap();
    let err = store.write(|tx| params::log(tx, h, &run_id, "lr", "0.2")).unwrap_err();
    assert!(err.to_string().starts_with("Changing param values is not allowed"), "{err}");
    store.write(|tx| tags::set(tx, h, "mlflow.runName", "second")).unwrap();
    let run = store.read(|c| runs::get(c, &run_id)).unwrap();
    assert_eq!(run.info.run_name, "second");
    assert_eq!(run.params, vec![KeyValue::new("lr", "0.1")]);
}

#[test]
fn history_keeps_special_floats_bit_for_bit_and_duplicates_once() {
    let (_d, store) = store();
    let exp = new_experiment(&store, "e");
    let (_, h) = new_run(&store, exp, "r", 1);
    let values = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 1e-300, 0.5];
    let points: Vec<Metric> =
        values.iter().enumerate().map(|(i, v)| Metric::new("m", *v, 100 + i as i64, i as i64)).collect();
    let n = store.write(|tx| metrics::log(tx, h, &points)).unwrap();
    assert_eq!(n, 6);
    let again = store.write(|tx| metrics::log(tx, h, &points)).unwrap();
    assert_eq!(again, 0, "exact duplicates are stored once");
    let page = store.read(|c| metrics::history(c, h, "m", 0, 100)).unwrap();
    let got: Vec<u64> = page.items.iter().map(|m| m.value.to_bits()).collect();
    let want: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
    assert_eq!(got, want);
    let summary = store.read(|c| metrics::latest(c, h)).unwrap();
    assert_eq!(summary[0].latest.value, 0.5);
    assert_eq!(summary[0].min, Some(f64::NEG_INFINITY));
    assert_eq!(summary[0].max, Some(f64::INFINITY));
    assert_eq!(summary[0].count, 6);
}

#[test]
fn latest_is_max_by_step_then_timestamp_then_value() {
    let (_d, store) = store();
    let exp = new_experiment(&store, "e");
    let (_, h) = new_run(&store, exp, "r", 1);
    let check = |points: &[(f64, i64, i64)], expect: f64| {
        let pts: Vec<Metric> = points.iter().map(|(v, ts, step)| Metric::new("k", *v, *ts, *step)).collect();
        store.write(|tx| metrics::log(tx, h, &pts)).unwrap();
        let latest = store.read(|c| metrics::latest(c, h)).unwrap();
        assert_eq!(latest[0].latest.value, expect, "after {points:?}");
    };
    check(&[(1.0, 10, 5)], 1.0);
    check(&[(2.0, 99, 4)], 1.0); // lower step loses even with a later timestamp
    check(&[(3.0, 11, 5)], 3.0); // same step, later timestamp wins
    check(&[(2.5, 11, 5)], 3.0); // same step and timestamp, lower value loses
    check(&[(-1.0, 0, 6)], -1.0); // higher step wins
}

#[test]
fn history_pages() {
    let (_d, store) = store();
    let exp = new_experiment(&store, "e");
    let (_, h) = new_run(&store, exp, "r", 1);
    let pts: Vec<Metric> = (0..25).map(|i| Metric::new("k", i as f64, i, i)).collect();
    store.write(|tx| metrics::log(tx, h, &pts)).unwrap();
    let p1 = store.read(|c| metrics::history(c, h, "k", 0, 10)).unwrap();
    assert_eq!((p1.items.len(), p1.next_offset), (10, Some(10)));
    let p3 = store.read(|c| metrics::history(c, h, "k", 20, 10)).unwrap();
    assert_eq!((p3.items.len(), p3.next_offset), (5, None));
}

/// Runs a run search and returns the run names in order.
fn names(store: &Store, exp: i64, filter: &str, order: &[&str]) -> Result<Vec<String>, String> {
    let query = RunQuery {
        experiment_ids: vec![exp],
        filter: filter::parse(filter, Dialect::Extended).map_err(|e| e.0)?,
        order_by: order.iter().map(|o| filter::parse_order(o).unwrap()).collect(),
        view: ViewType::ActiveOnly,
        offset: 0,
        limit: 100,
    };
    store
        .read(|c| search::runs(c, &query))
        .map(|p| p.items.into_iter().map(|r| r.info.run_name).collect())
        .map_err(|e| e.to_string())
}

#[test]
fn search_filters_and_orders_like_mlflow() {
    let (_d, store) = store();
    let exp = new_experiment(&store, "e");
    let data: &[(&str, Option<f64>, &str, &str)] = &[
        ("a", Some(0.5), "tree", "x"),
        ("b", Some(f64::NAN), "tree", "Y"),
        ("c", None, "linear", "y"),
        ("d", Some(2.0), "tree", "z"),
    ];
    for (i, (name, rmse, model, tag)) in data.iter().enumerate() {
        let (run_id, h) = new_run(&store, exp, name, 100 + i as i64);
        store
            .write(|tx| {
                if let Some(v) = rmse {
                    metrics::log(tx, h, &[Metric::new("rmse", *v, 1, 0)])?;
                }
                params::log(tx, h, &run_id, "model", model)?;
                tags::set(tx, h, "t", tag)
            })
            .unwrap();
    }
    let check = |filter: &str, order: &[&str], expect: &[&str]| {
        let got = names(&store, exp, filter, order).unwrap();
        assert_eq!(got, expect, "filter {filter:?} order {order:?}");
    };
    check("", &[], &["d", "c", "b", "a"]); // start_time DESC by default
    check("metrics.rmse < 1 and params.model = 'tree'", &[], &["a"]);
    check("metrics.rmse != 0.5", &[], &["d", "b"]);
    check("params.model LIKE 'tr%'", &[], &["d", "b", "a"]);
    check("tags.t LIKE 'y'", &[], &["c"]);
    check("tags.t ILIKE 'y'", &[], &["c", "b"]);
    check("tags.t IS NULL", &[], &[]);
    check("tags.missing IS NULL", &[], &["d", "c", "b", "a"]);
    check("metrics.rmse < 1 or params.model = 'linear'", &[], &["c", "a"]);
    // Missing and NaN sort last in both directions: real values, then NaN, then missing.
    check("", &["metrics.rmse ASC"], &["a", "d", "b", "c"]);
    check("", &["metrics.rmse DESC"], &["d", "a", "b", "c"]);
    check("", &["params.model DESC", "run_name"], &["a", "b", "d", "c"]);
}

#[test]
fn search_refuses_what_mlflow_refuses() {
    let (_d, store) = store();
    let exp = new_experiment(&store, "e");
    let check = |filter: &str, expect: &str| {
        let got = names(&store, exp, filter, &[]).unwrap_err();
        assert_eq!(got, expect, "filter {filter:?}");
    };
    check("params.max_depth = 3", "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 3");
    check("metrics.accuracy > '0.9'", "Expected numeric value type for metric. Found '0.9'");
    check(
        "attributes.status IN ('FAILED','KILLED')",
        "Only ['run_id'] attributes support comparison with a list of quoted string values.",
    );
    check(
        "attributes.end_time IS NULL",
        "IS NULL / IS NOT NULL is only supported for tags and params, not for 'attribute' 'end_time'",
    );
    check(
        "foo.bar = 'x'",
        "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']",
    );
}

#[test]
fn many_readers_while_one_writes() {
    let (_d, store) = store();
    let exp = new_experiment(&store, "e");
    let (_, h) = new_run(&store, exp, "r", 1);
    let store = std::sync::Arc::new(store);
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || {
            for i in 0..200 {
                store.write(|tx| metrics::log(tx, h, &[Metric::new("k", i as f64, i, i)])).unwrap();
            }
        })
    };
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                for _ in 0..50 {
                    let n = store.read(|c| metrics::history(c, h, "k", 0, 1000)).unwrap().items.len();
                    assert!(n <= 200);
                }
            })
        })
        .collect();
    writer.join().unwrap();
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(store.read(|c| metrics::history(c, h, "k", 0, 1000)).unwrap().items.len(), 200);
}

/// A model with versions 1..=n created at t = 10, 20, … (ms).
fn registry(store: &Store, n: i64) {
    use runlens_store::registry::{self, NewVersion};
    store
        .write(|tx| {
            registry::create_model(tx, "m", None, &[], 1)?;
            for v in 1..=n {
                let new = NewVersion { name: "m".into(), source: format!("runs:/r{v}/model"), ..Default::default() };
                registry::create_version(tx, new, v * 10)?;
            }
            Ok(())
        })
        .unwrap();
}

/// The board at `at` as `version:stage[@alias…]`, newest first; deleted versions end in `†`.
fn board_at(store: &Store, at: Option<i64>) -> Vec<String> {
    let board = store.read(|c| runlens_store::registry::board(c, "m", at)).unwrap();
    board
        .iter()
        .map(|b| {
            let aliases: String = b.aliases.iter().map(|a| format!("@{a}")).collect();
            format!("{}:{}{aliases}{}", b.version, b.stage, if b.current.is_none() { "†" } else { "" })
        })
        .collect()
}

#[test]
fn a_past_board_is_replayed_from_the_history() {
    use runlens_store::registry;
    let (_dir, store) = store();
    registry(&store, 3);
    store
        .write(|tx| {
            registry::transition_stage(tx, "m", 1, "Production", false, 100)?;
            registry::set_alias(tx, "m", "champion", 1, 110)?;
            registry::transition_stage(tx, "m", 2, "Staging", false, 120)?;
            registry::transition_stage(tx, "m", 2, "production", true, 200)?;
            registry::set_alias(tx, "m", "champion", 2, 210)?;
            registry::set_alias(tx, "m", "old", 1, 220)?;
            registry::delete_version(tx, "m", 1, 300)?;
            registry::delete_alias(tx, "m", "champion", 310)
        })
        .unwrap();
    let check = |at: Option<i64>, expect: &[&str]| assert_eq!(board_at(&store, at), expect, "at {at:?}");
    check(Some(5), &[]);
    check(Some(25), &["2:None", "1:None†"]);
    check(Some(115), &["3:None", "2:None", "1:Production@champion†"]);
    check(Some(150), &["3:None", "2:Staging", "1:Production@champion†"]);
    check(Some(205), &["3:None", "2:Production", "1:Archived@champion†"]);
    check(Some(250), &["3:None", "2:Production@champion", "1:Archived@old†"]);
    check(Some(305), &["3:None", "2:Production@champion"]);
    check(None, &["3:None", "2:Production"]);
    // A deleted number is never given again.
    let v = store
        .write(|tx| {
            registry::delete_version(tx, "m", 3, 400)?;
            let new = registry::NewVersion { name: "m".into(), source: "runs:/x/model".into(), ..Default::default() };
            registry::create_version(tx, new, 410)
        })
        .unwrap();
    assert_eq!(v.version, 4);
    check(Some(350), &["3:None†", "2:Production"]);
}

#[test]
fn an_imported_registry_without_history_shows_as_it_is_now() {
    use runlens_store::registry;
    let (_dir, store) = store();
    registry(&store, 2);
    store
        .write(|tx| {
            tx.execute("DELETE FROM registry_events", [])?;
            tx.execute("UPDATE model_versions SET current_stage = 'Production' WHERE version = 2", [])?;
            registry::set_imported_alias(tx, "m", "prod", 2)
        })
        .unwrap();
    assert_eq!(board_at(&store, Some(15)), ["1:None"]);
    assert_eq!(board_at(&store, Some(25)), ["2:Production@prod", "1:None"]);
}

/// Unchecked writes skip the foreign key checks on their own connection only: a checked write
/// after one still refuses a row without its parent, and the store sees both connections'
/// commits.
#[test]
fn unchecked_writes_leave_checked_writes_checked() {
    let (_d, s) = store();
    let exp = new_experiment(&s, "fk");
    let (run_id, handle) = new_run(&s, exp, "r", 1);
    let point = |step| Metric {
        key: "m".into(),
        value: 1.0,
        timestamp: 1,
        step,
        model_id: None,
        dataset_name: None,
        dataset_digest: None,
    };
    s.write_unchecked(|tx| metrics::log(tx, handle, &[point(0)])).unwrap();
    // A param of a run that does not exist: refused by a checked write, before and after.
    let orphan = |tx: &runlens_store::Write<'_>| -> runlens_store::Result<()> {
        tx.execute("INSERT INTO params (run, key, value) VALUES (987654, (SELECT id FROM keys LIMIT 1), 'x')", [])?;
        Ok(())
    };
    assert!(s.write(orphan).is_err());
    s.write_unchecked(|tx| metrics::log(tx, handle, &[point(1)])).unwrap();
    assert!(s.write(orphan).is_err());
    s.write(|tx| metrics::log(tx, handle, &[point(2)])).unwrap();
    let n: i64 = s.read(|c| Ok(c.query_row("SELECT count(*) FROM metrics", [], |r| r.get(0))?)).unwrap();
    assert_eq!(n, 3, "{run_id}");
}

#[test]
fn a_whole_history_read_straight_onto_an_axis_matches_its_points_put_on_it() {
    use runlens_store::series::{self, XAxis};
    let (_d, store) = store();
    let exp = new_experiment(&store, "e");
    let (_, h) = new_run(&store, exp, "long", 1_000);
    // Over 200,000 points, so it is read in parts; some timestamps out of order, specials, a
    // step logged twice.
    let points: Vec<Metric> = (0..210_000i64)
        .map(|i| {
            let ts = if i % 1000 == 7 { 1_000 + i * 3 - 5_000 } else { 1_000 + i * 3 };
            let v = match i % 50_000 {
                11 => f64::NAN,
                12 => f64::NEG_INFINITY,
                _ => (i % 97) as f64 * 0.5,
            };
            Metric::new("loss", v, ts, i)
        })
        .chain([Metric::new("loss", 9.0, 5, 42)])
        .collect();
    store.write(|tx| metrics::log(tx, h, &points)).unwrap();
    let bits = |(x, y): (Vec<f64>, Vec<f64>)| -> Vec<(u64, u64)> {
        x.iter().zip(&y).map(|(a, b)| (a.to_bits(), b.to_bits())).collect()
    };
    for (axis, start) in [
        (XAxis::Step, Some(1_000)),
        (XAxis::Time, Some(1_000)),
        (XAxis::Relative, Some(1_000)),
        (XAxis::Relative, None),
    ] {
        let all = series::points_parallel(&store, h, "loss", true).unwrap();
        let expect = series::on_axis(&all, &axis, start, &[]);
        assert_eq!(expect.0.len(), 210_001);
        let got = series::xy_parallel(&store, h, "loss", &axis, start).unwrap().unwrap();
        assert!(bits(got) == bits(expect), "{axis:?} from {start:?}");
    }
    assert!(series::xy_parallel(&store, h, "loss", &XAxis::Metric("lr".into()), None).unwrap().is_none());
}
