"""Combine infra/*.yaml into one CloudFormation template and package the Chalice app with it.

`chalice package --merge-template` takes exactly one template, so the fragments under infra/ are merged
here first. Each fragment is a valid template on its own (so cfn-lint can check it alone): whatever it
needs from another fragment, or from Chalice's generated resources, it declares as a String parameter
and lists under `Metadata: CatData::Imports` with the expression that replaces it in the combined
template (only `Ref` and `Fn::GetAtt` are allowed, so `${Name}` inside `Fn::Sub` can be rewritten too).

infra/overrides/*.yaml hold partial resources (Properties only) for the logical ids Chalice generates
(`APIHandler`, the event functions, their roles, `RestAPI`); Chalice deep-merges them onto its own
definitions: dictionaries merge key by key, lists and scalars from the file win.

    python -m scripts.package --stage dev            # writes build/dev/sam.json and build/dev/deployment.zip
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cfn_flip import load_yaml

from scripts.bundle import trim_bundle

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INFRA_DIR = PROJECT_ROOT / "infra"
OVERRIDES_DIR = INFRA_DIR / "overrides"
IMPORTS_KEY = "CatData::Imports"
# Metadata `CatData::DependsOn: {Resource: [OtherFragmentResource, ...]}`: ordering a fragment needs on
# resources of another fragment, added to DependsOn when merged (a standalone fragment cannot name them).
DEPENDS_ON_KEY = "CatData::DependsOn"
STAGES = ("dev", "prod")
SECTIONS = ("Parameters", "Mappings", "Conditions", "Rules", "Resources", "Outputs")
# Sections where the same logical id may appear in several fragments if the definitions are identical
# (every fragment declares the Stage parameter, for instance).
SHAREABLE_SECTIONS = ("Parameters", "Mappings", "Conditions")
# Logical ids `chalice package` generates for this app (app name catdata, the handlers in app.py).
CHALICE_LOGICAL_IDS = frozenset(
    {
        "RestAPI",
        "APIHandler",
        "APIHandlerInvokePermission",
        "ApiHandlerRole",
        "HandleCatDataChange",
        "HandleCatDataChangeRole",
        "ProcessPhotoUpload",
        "ProcessPhotoUploadRole",
        "CompactLake",
        "CompactLakeRole",
        "DefaultRole",
    }
)
DESCRIPTION = "catdata: municipal cat data platform (Chalice app merged with infra/*.yaml)"

Template = dict[str, Any]


class TemplateMergeError(Exception):
    """The fragments cannot be combined into one valid template (duplicate ids, dangling imports...)."""


def load_template(path: Path) -> Template:
    loaded = _plain(load_yaml(path.read_text(encoding="utf-8")))
    if not isinstance(loaded, dict):
        raise TemplateMergeError(f"{path.name} is not a template (a YAML mapping)")
    return loaded


def _plain(value: Any) -> Any:
    """cfn-flip returns ordered dict subclasses; plain dicts/lists compare and serialise simply."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def fragment_paths(infra_dir: Path = INFRA_DIR) -> list[Path]:
    return sorted(infra_dir.glob("*.yaml"))


def override_paths(infra_dir: Path = INFRA_DIR) -> list[Path]:
    return sorted((infra_dir / "overrides").glob("*.yaml"))


def imports_of(fragment: Template) -> dict[str, Any]:
    imports = fragment.get("Metadata", {}).get(IMPORTS_KEY, {})
    if not isinstance(imports, dict):
        raise TemplateMergeError(f"Metadata.{IMPORTS_KEY} must be a mapping")
    return imports


def import_target(expression: Any) -> str:
    """The logical id an import points at: `{"Ref": X}` or `{"Fn::GetAtt": [X, attribute]}`.

    SAM also resolves `Ref: Api.Stage` (the stage an AWS::Serverless::Api creates), so a Ref may be dotted.
    """
    if isinstance(expression, dict) and len(expression) == 1:
        if "Ref" in expression and isinstance(expression["Ref"], str):
            return expression["Ref"].split(".", 1)[0]
        getatt = expression.get("Fn::GetAtt")
        if isinstance(getatt, list) and len(getatt) == 2 and all(isinstance(part, str) for part in getatt):
            return str(getatt[0])
    raise TemplateMergeError(f"an import must be a Ref or a two-part Fn::GetAtt, not {expression!r}")


def _sub_reference(expression: Any) -> str:
    if "Ref" in expression:
        return str(expression["Ref"])
    resource, attribute = expression["Fn::GetAtt"]
    return f"{resource}.{attribute}"


def _rewrite_sub_string(text: str, imports: Mapping[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return "${" + _sub_reference(imports[name]) + "}" if name in imports else match.group(0)

    # `${!Literal}` is an escaped literal in Fn::Sub and never starts with a name character.
    return re.sub(r"\$\{([A-Za-z0-9_.:]+)\}", replace, text)


def resolve_imports(node: Any, imports: Mapping[str, Any]) -> Any:
    """Replace every Ref to an imported parameter, and every `${Name}` in Fn::Sub, by the import."""
    if isinstance(node, list):
        return [resolve_imports(item, imports) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1 and "Ref" in node and node["Ref"] in imports:
        return copy.deepcopy(imports[node["Ref"]])
    if len(node) == 1 and "Fn::GetAtt" in node:
        target = node["Fn::GetAtt"]
        if isinstance(target, list) and target and target[0] in imports:
            raise TemplateMergeError(f"Fn::GetAtt on the imported parameter {target[0]}: import the attribute")
    if len(node) == 1 and "Fn::Sub" in node:
        sub = node["Fn::Sub"]
        if isinstance(sub, str):
            return {"Fn::Sub": _rewrite_sub_string(sub, imports)}
        text, variables = sub
        local = {name: value for name, value in imports.items() if name not in variables}
        return {"Fn::Sub": [_rewrite_sub_string(text, local), resolve_imports(variables, imports)]}
    return {key: resolve_imports(value, imports) for key, value in node.items()}


def _resolved_fragment(name: str, fragment: Template) -> Template:
    imports = imports_of(fragment)
    parameters = fragment.get("Parameters", {})
    for imported in imports:
        if imported not in parameters:
            raise TemplateMergeError(f"{name}: import {imported} is not declared as a parameter")
        import_target(imports[imported])
    resolved = {section: resolve_imports(fragment[section], imports) for section in SECTIONS if section in fragment}
    resolved["Parameters"] = {key: value for key, value in parameters.items() if key not in imports}
    depends_on = fragment.get("Metadata", {}).get(DEPENDS_ON_KEY, {})
    for logical_id, dependencies in depends_on.items():
        resource = resolved.get("Resources", {}).get(logical_id)
        if resource is None:
            raise TemplateMergeError(f"{name}: {DEPENDS_ON_KEY} names unknown resource {logical_id}")
        existing = resource.get("DependsOn", [])
        resource["DependsOn"] = ([existing] if isinstance(existing, str) else list(existing)) + list(dependencies)
    return resolved


def merge_fragments(fragments: Iterable[tuple[str, Template]]) -> Template:
    """One template from named fragments; a logical id defined twice (differently) is an error."""
    merged: Template = {"AWSTemplateFormatVersion": "2010-09-09", "Description": DESCRIPTION}
    owners: dict[str, str] = {}
    all_imports: dict[str, tuple[str, Any]] = {}
    for name, fragment in fragments:
        for imported, expression in imports_of(fragment).items():
            all_imports[f"{name}:{imported}"] = (name, expression)
        for section, entries in _resolved_fragment(name, fragment).items():
            target = merged.setdefault(section, {})
            for logical_id, definition in entries.items():
                if logical_id in target:
                    if section in SHAREABLE_SECTIONS and target[logical_id] == definition:
                        continue
                    first = owners[f"{section}:{logical_id}"]
                    raise TemplateMergeError(f"duplicate logical id {logical_id} in {section}: {first} and {name}")
                _check_unique_across_sections(merged, section, logical_id, name)
                target[logical_id] = definition
                owners[f"{section}:{logical_id}"] = name
    known = set(merged.get("Resources", {})) | CHALICE_LOGICAL_IDS
    for logical_id, resource in merged.get("Resources", {}).items():
        dependencies = resource.get("DependsOn", [])
        for dependency in [dependencies] if isinstance(dependencies, str) else dependencies:
            if dependency not in known:
                raise TemplateMergeError(f"{logical_id} depends on unknown resource {dependency}")
    for key, (name, expression) in sorted(all_imports.items()):
        if import_target(expression) not in known:
            raise TemplateMergeError(f"{name}: import {key.split(':', 1)[1]} points at unknown {expression!r}")
    return {key: value for key, value in merged.items() if value != {}}


def _check_unique_across_sections(merged: Template, section: str, logical_id: str, fragment: str) -> None:
    # Parameters and Resources share one namespace for Ref: a clash is always a mistake.
    namespaces = {"Parameters", "Resources"}
    if section in namespaces:
        for other in namespaces - {section}:
            if logical_id in merged.get(other, {}):
                raise TemplateMergeError(f"{fragment}: {logical_id} is both a parameter and a resource")


def add_overrides(template: Template, overrides: Iterable[tuple[str, Template]]) -> Template:
    """Attach partial resources for Chalice's logical ids (and the parameters/conditions they use)."""
    combined = copy.deepcopy(template)
    for name, override in overrides:
        for section, entries in override.items():
            if section in ("AWSTemplateFormatVersion", "Description", "Metadata"):
                continue
            target = combined.setdefault(section, {})
            for logical_id, definition in entries.items():
                if section == "Resources" and logical_id not in CHALICE_LOGICAL_IDS:
                    raise TemplateMergeError(f"{name}: {logical_id} is not a resource Chalice generates")
                if section == "Resources" and "Type" in definition:
                    raise TemplateMergeError(f"{name}: {logical_id} must not redefine Chalice's Type")
                if logical_id in target and target[logical_id] != definition:
                    raise TemplateMergeError(f"{name}: duplicate logical id {logical_id} in {section}")
                target[logical_id] = definition
    return combined


def build_infra_template(infra_dir: Path = INFRA_DIR) -> Template:
    fragments = [(path.name, load_template(path)) for path in fragment_paths(infra_dir)]
    overrides = [(f"overrides/{path.name}", load_template(path)) for path in override_paths(infra_dir)]
    return add_overrides(merge_fragments(fragments), overrides)


def check_packaged(template: Template) -> None:
    """After Chalice's merge every resource must be complete: an override for an id Chalice did not
    generate (a renamed handler) would otherwise slip through as a resource without a Type."""
    incomplete = sorted(name for name, resource in template["Resources"].items() if "Type" not in resource)
    if incomplete:
        raise TemplateMergeError(f"overrides for resources Chalice did not generate: {', '.join(incomplete)}")


def package(stage: str, project_dir: Path, out_dir: Path, infra_dir: Path = INFRA_DIR) -> Path:
    """Write out_dir/sam.json and out_dir/deployment.zip; returns the template's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    merged_path = out_dir.parent / f"{out_dir.name}.infra.json"
    merged_path.write_text(json.dumps(build_infra_template(infra_dir), indent=2, ensure_ascii=False), "utf-8")
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run(
        [
            *(str(chalice), "--project-dir", str(project_dir), "package", "--stage", stage),
            *("--merge-template", str(merged_path), str(out_dir)),
        ],
        check=True,
        # Packaging calls no AWS API, but Chalice refuses to start without a region.
        env={"AWS_DEFAULT_REGION": "ap-northeast-1", **os.environ},
    )
    sam_path = out_dir / "sam.json"
    check_packaged(json.loads(sam_path.read_text(encoding="utf-8")))
    before, after = trim_bundle(out_dir / "deployment.zip")
    print(f"deployment.zip: {before / 1e6:.2f} MB → {after / 1e6:.2f} MB without unused native modules")
    return sam_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", choices=STAGES, required=True)
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT)
    parser.add_argument("--out-dir", type=Path, help="default: build/STAGE under the project")
    parser.add_argument("--merged-only", action="store_true", help="print the merged infra template, no chalice")
    args = parser.parse_args(argv)
    if args.merged_only:
        print(json.dumps(build_infra_template(), indent=2, ensure_ascii=False))
        return 0
    out_dir = args.out_dir or args.project_dir / "build" / args.stage
    sam_path = package(args.stage, args.project_dir, out_dir)
    print(f"packaged {sam_path} and {out_dir / 'deployment.zip'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
