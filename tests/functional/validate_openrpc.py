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


META_07 = Draft7Validator.META_SCHEMA
REMOTE = [JSON_SCHEMA_TOOLS, "https://meta.json-schema.tools/", "http://json-schema.org/draft-07/schema",
          "https://json-schema.org/draft-07/schema"]

try:  # jsonschema >= 4.18 resolves references with the referencing library
    import referencing
    import referencing.jsonschema

    def validator_for(root, pointer):
        """A draft-07 validator for the schema at root#pointer, its refs resolved within root."""
        root_uri = root.get("$id") or "urn:kopilka:document"
        spec = referencing.jsonschema.DRAFT7
        resources = [(uri, spec.create_resource(META_07)) for uri in REMOTE]
        resources.append((root_uri, spec.create_resource(root)))
        registry = referencing.Registry().with_resources(resources)
        return Draft7Validator({"$ref": root_uri + "#" + pointer}, registry=registry)

    def resolves(root, ref):
        root_uri = root.get("$id") or "urn:kopilka:document"
        registry = referencing.Registry().with_resource(root_uri, referencing.jsonschema.DRAFT7.create_resource(root))
        registry.resolver(base_uri=root_uri).lookup(ref)
except ImportError:  # Debian 12's 4.10: RefResolver
    def legacy_resolver(root):
        store = {uri: META_07 for uri in REMOTE}
        base = root.get("$id", "")  # the meta-schema's own refs resolve against its $id
        if base:
            store[base] = root
        return jsonschema.RefResolver(base_uri=base, referrer=root, store=store)

    def validator_for(root, pointer):
        resolver = legacy_resolver(root)
        _, schema = resolver.resolve("#" + pointer)
        return Draft7Validator(schema, resolver=resolver)

    def resolves(root, ref):
        legacy_resolver(root).resolve(ref)


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
            failures.append(f"{what}: {type(e).__name__}: {str(e)[:300]}")

    # 1. The document is OpenRPC.
    check("the document against the OpenRPC meta-schema", lambda: validator_for(meta, "").validate(doc))

    if failures:  # the rest assumes an OpenRPC document
        for f in failures:
            print("FAIL " + f)
        print(f"0 passed, {len(failures)} failed")
        return 1

    # 2. Every schema in it is a JSON Schema, and every $ref resolves.
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
        check(f"$ref {ref} at {path}", lambda r=ref: resolves(doc, r))

    # 3 and 4. Examples and real answers match their method's result schema.
    by_name = {m["name"]: m for m in doc["methods"]}
    index = {m["name"]: i for i, m in enumerate(doc["methods"])}

    def validate(method, value, what):
        check(f"{method}: {what}",
              lambda: validator_for(doc, f"/methods/{index[method]}/result/schema").validate(value))

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
