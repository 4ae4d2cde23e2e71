//! The published schemas describe exactly what the library writes: every
//! body it serves validates, and a body with an unknown field does not.

use super::support::*;
use jsonschema::{Registry, Validator};
use mcp_trust::dsse::Envelope;
use mcp_trust::log::{ConsistencyBody, EntriesPage, InclusionBody};
use serde_json::Value;

fn schema(name: &str) -> Value {
    let path = format!("{}/../schemas/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validator(name: &str, definition: Option<&str>) -> Validator {
    let index = schema("catalog-index.schema.json");
    let registry = Registry::new()
        .add(
            "https://mcp-trust.dev/schemas/catalog-index.schema.json",
            index,
        )
        .and_then(|b| b.prepare())
        .unwrap();
    let mut root = schema(name);
    if let Some(def) = definition {
        let id = root["$id"].as_str().unwrap().to_owned();
        root = serde_json::json!({"$ref": format!("{id}#/definitions/{def}"), "definitions": root["definitions"].clone(), "$id": format!("{id}?{def}")});
        let registry = Registry::new()
            .add(
                "https://mcp-trust.dev/schemas/catalog-index.schema.json",
                schema("catalog-index.schema.json"),
            )
            .and_then(|b| b.add(&id, schema(name)))
            .and_then(|b| b.prepare())
            .unwrap();
        return jsonschema::options()
            .with_registry(&registry)
            .build(&root)
            .unwrap();
    }
    jsonschema::options()
        .with_registry(&registry)
        .build(&root)
        .unwrap()
}

fn assert_valid(v: &Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}");
}

fn with_extra(doc: &Value) -> Value {
    let mut d = doc.clone();
    d["unexpected"] = Value::Bool(true);
    d
}

#[test]
fn every_served_body_validates_against_its_schema_and_unknown_fields_do_not() {
    let mut reg = registry(40);
    reg.set_status(
        &entry(3).name,
        "1.0.0",
        mcp_trust::catalog::Status::Revoked,
        at(1),
    )
    .unwrap();
    reg.rotate(mcp_trust::keys::Role::Catalog, at(2)).unwrap();

    let index = validator("catalog-index.schema.json", None);
    let payload = serde_json::to_value(&reg.index().payload).unwrap();
    assert_valid(&index, &payload, "index payload");
    assert!(!index.is_valid(&with_extra(&payload)));

    let envelope = validator("catalog-index.schema.json", Some("Envelope"));
    let env: Value = serde_json::from_slice(&reg.index().bytes).unwrap();
    assert_valid(&envelope, &env, "index envelope");
    assert!(!envelope.is_valid(&with_extra(&env)));

    let shard = validator("catalog-shard.schema.json", None);
    let mut shards_with_entries = 0;
    for s in reg.shards() {
        let doc: Value = serde_json::from_slice(&s.bytes).unwrap();
        assert_valid(&shard, &doc, "shard");
        if let Some(first) = doc["entries"].as_array().and_then(|e| e.first()) {
            shards_with_entries += 1;
            let mut bad = doc.clone();
            bad["entries"][0] = with_extra(first);
            assert!(!shard.is_valid(&bad));
        }
    }
    assert!(shards_with_entries > 10);

    let statement = validator("catalog-keys.schema.json", None);
    let key_set = validator("catalog-keys.schema.json", Some("KeySet"));
    let set = serde_json::to_value(reg.key_set()).unwrap();
    assert_valid(&key_set, &set, "key set");
    for env in reg.key_set().statements {
        let payload: Value =
            serde_json::from_slice(&Envelope::payload_bytes(&env).unwrap()).unwrap();
        assert_valid(&statement, &payload, "key statement");
        assert!(!statement.is_valid(&with_extra(&payload)));
    }

    let entries = validator("log-entries.schema.json", None);
    let page = serde_json::to_value(EntriesPage {
        start: 0,
        entries: reg.records().to_vec(),
    })
    .unwrap();
    assert_valid(&entries, &page, "entries page");
    let kinds: std::collections::BTreeSet<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["key", "publish", "revoke"]
    );
    let mut bad = page.clone();
    bad["entries"][0]["unexpected"] = Value::Bool(true);
    assert!(!entries.is_valid(&bad));

    let proofs = validator("log-proof.schema.json", None);
    let size = reg.tree().size();
    let consistency = ConsistencyBody::build(reg.tree(), 13, size).unwrap();
    consistency
        .verify(
            &mcp_trust::log::root(reg.tree(), 13).unwrap(),
            &reg.tree().root(),
        )
        .unwrap();
    assert_valid(
        &proofs,
        &serde_json::to_value(&consistency).unwrap(),
        "consistency proof",
    );
    let leaf = reg.records()[7].leaf_hash().unwrap();
    let index_of = reg.tree().index_of(&leaf).unwrap();
    let inclusion = InclusionBody::build(reg.tree(), index_of, size).unwrap();
    assert_eq!(inclusion.verify(&reg.tree().root()).unwrap(), leaf);
    let doc = serde_json::to_value(&inclusion).unwrap();
    assert_valid(&proofs, &doc, "inclusion proof");
    assert!(!proofs.is_valid(&with_extra(&doc)));
}
