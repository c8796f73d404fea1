#!/usr/bin/env python3
"""Validates the node's rpc.discover document the way an integrator's tools would.

    validate_openrpc.py META_SCHEMA DOCUMENT [RESULTS]

 1. DOCUMENT (the rpc.discover result, as served) against the OpenRPC
    meta-schema META_SCHEMA (tests/vectors/openrpc-meta-schema.json);
 2. every result, param and component schema in it as a JSON Schema itself
    (draft-07 meta-schema), and every "$ref" in it resolves;
 3. every method's example result against that method's result schema;
 4. RESULTS, when given: a JSON object {method: [result, ...]} of real answers
    from a node, each against its method's result schema. Object schemas forbid
    fields they do not list, so an undocumented field fails here.

Uses Debian's python3-jsonschema (scripts/deps.sh); nothing is fetched. The
meta-schema's one remote reference, json-schema-tools' JSON Schema
meta-schema (a draft-07 meta-schema), is resolved to the draft-07 meta-schema
that ships with jsonschema.
"""
import json
import sys
import warnings

import jsonschema
from jsonschema.validators import Draft7Validator

warnings.simplefilter("ignore", DeprecationWarning)  # RefResolver: still the API of Debian 12's 4.10

JSON_SCHEMA_TOOLS = "https://raw.githubusercontent.com/json-schema-tools/meta-schema/1.3.0/src/schema.json"


def resolver_for(root):
    store = {
        JSON_SCHEMA_TOOLS: Draft7Validator.META_SCHEMA,
        "https://meta.json-schema.tools/": Draft7Validator.META_SCHEMA,
        "http://json-schema.org/draft-07/schema": Draft7Validator.META_SCHEMA,
        "https://json-schema.org/draft-07/schema": Draft7Validator.META_SCHEMA,
    }
    return jsonschema.RefResolver(base_uri="", referrer=root, store=store)


def refs_in(value, path="#"):
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "$ref" and isinstance(v, str):
                yield path, v
            else:
                yield from refs_in(v, path + "/" + k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from refs_in(v, path + "/" + str(i))


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        meta = json.load(f)
    with open(argv[2], encoding="utf-8") as f:
        doc = json.load(f)
    results = {}
    if len(argv) == 4:
        with open(argv[3], encoding="utf-8") as f:
            results = json.load(f)

    failures = []
    checked = 0

    def check(what, fn):
        nonlocal checked
        checked += 1
        try:
            fn()
        except (jsonschema.ValidationError, jsonschema.SchemaError) as e:
            at = "/".join(map(str, e.absolute_path))
            failures.append(f"{what}: {e.message}" + (f" (at {at})" if at else ""))
        except Exception as e:  # an unresolvable $ref, or a schema too broken to apply
            failures.append(f"{what}: {type(e).__name__}: {e}")

    # 1. The document is OpenRPC.
    check("the document against the OpenRPC meta-schema",
          lambda: Draft7Validator(meta, resolver=resolver_for(meta)).validate(doc))

    if failures:  # the rest assumes an OpenRPC document
        for f in failures:
            print("FAIL " + f)
        print(f"0 passed, {len(failures)} failed")
        return 1

    # 2. Every schema in it is a JSON Schema, and every $ref resolves.
    doc_resolver = resolver_for(doc)
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        check(f"component {name} as a JSON Schema", lambda s=schema: Draft7Validator.check_schema(s))
    for m in doc["methods"]:
        check(f"{m['name']}: result schema as a JSON Schema",
              lambda s=m["result"]["schema"]: Draft7Validator.check_schema(s))
        for p in m["params"]:
            check(f"{m['name']}: param {p['name']} schema", lambda s=p["schema"]: Draft7Validator.check_schema(s))
        checked += 1
        if m["result"]["schema"] == {}:
            failures.append(f"{m['name']}: its result schema is empty")
    for path, ref in refs_in(doc):
        check(f"$ref {ref} at {path}", lambda r=ref: doc_resolver.resolve(r))

    # 3 and 4. Examples and real answers match their method's result schema.
    by_name = {m["name"]: m for m in doc["methods"]}

    def validate(method, value, what):
        validator = Draft7Validator(by_name[method]["result"]["schema"], resolver=doc_resolver)
        check(f"{method}: {what}", lambda: validator.validate(value))

    for m in doc["methods"]:
        for ex in m.get("examples", []):
            validate(m["name"], ex["result"]["value"], "example result")
    for method, answers in results.items():
        if method not in by_name:
            checked += 1
            failures.append(f"real answers given for {method}, which the document does not list")
            continue
        for i, value in enumerate(answers):
            validate(method, value, f"real answer {i}")

    for f in failures:
        print("FAIL " + f)
    print(f"{checked - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
