"""Dictionary functions (sprig's dicts family; merges follow mergo as sprig uses it)."""

from __future__ import annotations

from typing import Any

from portlint.helm.errors import TemplateError
from portlint.helm.functions._args import deep_copy, is_empty, strval, want_dict, want_str
from portlint.helm.gofmt import go_type


def dict_(*pairs: Any) -> dict:
    out: dict = {}
    for i in range(0, len(pairs), 2):
        key = strval(pairs[i])
        out[key] = pairs[i + 1] if i + 1 < len(pairs) else ""
    return out


def get(d: Any, key: Any) -> Any:
    mapping, k = want_dict(d), want_str(key)
    return mapping[k] if k in mapping else ""


def set_(d: Any, key: Any, value: Any) -> dict:
    mapping = want_dict(d)
    mapping[want_str(key)] = value
    return mapping


def unset(d: Any, key: Any) -> dict:
    mapping = want_dict(d)
    mapping.pop(want_str(key), None)
    return mapping


def has_key(d: Any, key: Any) -> bool:
    return want_str(key) in want_dict(d)


def keys(*dicts: Any) -> list[str]:
    """Go map order is random; we give sorted keys (charts sort them with sortAlpha anyway)."""
    out: list[str] = []
    for d in dicts:
        out.extend(sorted(want_dict(d)))
    return out


def values(d: Any) -> list:
    mapping = want_dict(d)
    return [mapping[k] for k in sorted(mapping)]


def pick(d: Any, *names: Any) -> dict:
    mapping = want_dict(d)
    wanted = [want_str(n) for n in names]
    return {k: mapping[k] for k in wanted if k in mapping}


def omit(d: Any, *names: Any) -> dict:
    mapping = want_dict(d)
    drop = {want_str(n) for n in names}
    return {k: v for k, v in mapping.items() if k not in drop}


def pluck(name: Any, *dicts: Any) -> list:
    key = want_str(name)
    return [want_dict(d)[key] for d in dicts if key in want_dict(d)]


def dig(*args: Any) -> Any:
    if len(args) < 3:
        raise TemplateError("dig needs at least three arguments")
    mapping = args[-1]
    default = args[-2]
    path = args[:-2]
    for i, key in enumerate(path):
        if not isinstance(key, str):
            raise TemplateError(f"interface conversion: interface {{}} is {go_type(key)}, not string")
        if not isinstance(mapping, dict):
            raise TemplateError(
                f"interface conversion: interface {{}} is {go_type(mapping)}, not map[string]interface {{}}")
        if key not in mapping:
            return default
        mapping = mapping[key]
        if i == len(path) - 1:
            return mapping
    return default


def _merge_into(dst: dict, src: dict, overwrite: bool, depth: int = 0) -> None:
    """mergo.Merge(&dst, src) / mergo.MergeWithOverwrite for map[string]interface{}."""
    if depth > 64:
        raise TemplateError("merge: too deep")
    for key, sv in src.items():
        dv = dst.get(key)
        if isinstance(sv, dict) and isinstance(dv, dict):
            _merge_into(dv, sv, overwrite, depth + 1)
            continue
        if sv is None:
            if overwrite:
                dst[key] = None
            continue
        if overwrite or key not in dst or is_empty(dv):
            dst[key] = sv


def merge(dst: Any, *srcs: Any) -> dict:
    target = want_dict(dst)
    for src in srcs:
        _merge_into(target, want_dict(src), overwrite=False)
    return target


def merge_overwrite(dst: Any, *srcs: Any) -> dict:
    target = want_dict(dst)
    for src in srcs:
        _merge_into(target, want_dict(src), overwrite=True)
    return target


def deep_copy_(value: Any) -> Any:
    return deep_copy(value)


FUNCTIONS = {
    "dict": dict_, "get": get, "set": set_, "unset": unset, "hasKey": has_key, "keys": keys,
    "values": values, "pick": pick, "omit": omit, "pluck": pluck, "dig": dig, "merge": merge,
    "mustMerge": merge, "mergeOverwrite": merge_overwrite, "mustMergeOverwrite": merge_overwrite,
    "deepCopy": deep_copy_, "mustDeepCopy": deep_copy_,
}
