"""The configuration hierarchy shared by the Python services.

Highest priority first: Parameter Store, environment variables, the YAML files under config/
(``base.yaml`` merged under ``<environment>.yaml``), then the defaults written in the code that
calls :func:`get_config`. Values from Parameter Store and the environment are strings; they are
read as YAML scalars so that numbers and booleans keep their type.
"""

import os
from pathlib import Path

import yaml

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
PARAMETER_ROOT = "mono-repo"


def get_config(environment=None):
    """The merged configuration of one environment (default: $ENVIRONMENT, else dev)."""
    environment = environment or os.getenv("ENVIRONMENT", "dev")
    config = _load_yaml(environment)
    _apply_environment_variables(config)
    _apply_parameter_store(config, environment)
    return config


def _load_yaml(environment):
    merged = {}
    for name in ("base.yaml", f"{environment}.yaml"):
        path = CONFIG_DIR / name
        if not path.is_file():
            continue
        for section, values in (yaml.safe_load(path.read_text()) or {}).items():
            merged.setdefault(section, {}).update(values or {})
    return merged


def _apply_environment_variables(config):
    """SECTION_KEY in the environment overrides section.key (for keys the YAML files know)."""
    for section, values in config.items():
        for key in values:
            raw = os.environ.get(f"{section}_{key}".upper())
            if raw is not None:
                values[key] = _typed(raw)


def _apply_parameter_store(config, environment):
    """/<environment>/mono-repo/<section>/<key> parameters override everything else."""
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        return
    prefix = f"/{environment}/{PARAMETER_ROOT}/"
    try:
        pages = boto3.client("ssm").get_paginator("get_parameters_by_path").paginate(
            Path=prefix, Recursive=True)
        for page in pages:
            for parameter in page["Parameters"]:
                section, _, key = parameter["Name"][len(prefix):].partition("/")
                config.setdefault(section, {})[key] = _typed(parameter["Value"])
    except (BotoCoreError, ClientError):
        return


def _typed(raw):
    return yaml.safe_load(raw) if raw.strip() else raw
