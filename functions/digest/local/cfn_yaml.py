"""Reading a CloudFormation/SAM template written in YAML, short-form tags included.

PyYAML's safe loader rejects ``!Ref``, ``!Sub``, ``!GetAtt`` and friends.  This loader turns each
into the long (JSON) form CloudFormation itself uses, so the result is the same dict a JSON
template would give::

    !Ref Name                 -> {"Ref": "Name"}
    !GetAtt Bucket.Arn        -> {"Fn::GetAtt": ["Bucket", "Arn"]}
    !Sub "x-${AWS::Region}"   -> {"Fn::Sub": "x-${AWS::Region}"}
    !If [Cond, a, b]          -> {"Fn::If": ["Cond", "a", "b"]}
    !Condition IsProd         -> {"Condition": "IsProd"}

Like CloudFormation, it keeps YAML timestamps as plain strings and refuses duplicate keys.
The tests read ``template.yaml`` with it, and ``digest stack create`` builds local resources from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["TemplateLoader", "load_template", "loads_template"]

# Tags whose long form is not "Fn::<Name>".
_PLAIN_KEYS = {"Ref": "Ref", "Condition": "Condition"}


class TemplateLoader(yaml.SafeLoader):
    """A safe loader that understands CloudFormation's short-form intrinsic functions."""


def _construct_intrinsic(loader: TemplateLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = tag_suffix
    key = _PLAIN_KEYS.get(name, f"Fn::{name}")
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "GetAtt":
            # !GetAtt Resource.Attribute (the attribute may itself contain dots: Endpoint.Address)
            resource, _, attribute = str(value).partition(".")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - PyYAML has no other node kinds
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{name}", node.start_mark)
    return {key: value}


def _construct_mapping_no_duplicates(loader: TemplateLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _construct_timestamp_as_text(loader: TemplateLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


TemplateLoader.add_multi_constructor("!", _construct_intrinsic)
TemplateLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_no_duplicates)
TemplateLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


def loads_template(text: str) -> dict[str, Any]:
    """A template from YAML (or JSON) text, intrinsic functions in their long form."""
    data = yaml.load(text, Loader=TemplateLoader)
    if not isinstance(data, dict):
        raise ValueError("a CloudFormation template must be a mapping at its top level")
    return data


def load_template(path: str | Path) -> dict[str, Any]:
    """The template at ``path`` as a plain dict (see the module docstring for the tag mapping)."""
    return loads_template(Path(path).read_text(encoding="utf-8"))
