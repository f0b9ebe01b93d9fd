#!/usr/bin/env python3
"""Check one environment's Parameter Store values against the validation rules.

Usage: python scripts/validate_parameter_store.py --environment prod
Exit status 1 when a parameter is missing or invalid.
"""

import argparse
import ipaddress
import sys

import boto3

ENVIRONMENTS = ('dev', 'uat', 'prod')


def is_valid_ip(value):
    """True when ``value`` is an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def get_validation_rules():
    """Define validation rules for port parameters."""
    return {
        'fastapi': {
            'port': lambda x: x.isdigit() and 1000 <= int(x) <= 65535,
            'host': lambda x: x in ['0.0.0.0', '127.0.0.1', 'localhost'] or is_valid_ip(x),
            'workers': lambda x: x.isdigit() and 1 <= int(x) <= 16
        },
        'web': {
            'port': lambda x: x.isdigit() and 1000 <= int(x) <= 65535,
            'debug': lambda x: x.lower() in ['true', 'false']
        },
        'dash': {
            'port': lambda x: x.isdigit() and 1000 <= int(x) <= 65535,
            'debug': lambda x: x.lower() in ['true', 'false']
        },
        'airflow': {
            'webserver_port': lambda x: x.isdigit() and 1000 <= int(x) <= 65535,
            'executor': lambda x: x in ['LocalExecutor', 'KubernetesExecutor', 'CeleryExecutor']
        }
    }


def validate_environment(environment, ssm):
    """Every problem found in /<environment>/mono-repo/, one message each."""
    problems = []
    for service, rules in get_validation_rules().items():
        for key, is_valid in rules.items():
            name = f'/{environment}/mono-repo/{service}/{key}'
            try:
                value = ssm.get_parameter(Name=name)['Parameter']['Value']
            except ssm.exceptions.ParameterNotFound:
                problems.append(f'{name}: missing')
                continue
            if not is_valid(value):
                problems.append(f'{name}: invalid value {value!r}')
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--environment', required=True, choices=ENVIRONMENTS)
    args = parser.parse_args()
    problems = validate_environment(args.environment, boto3.client('ssm'))
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f'{args.environment}: {len(problems)} problem(s)')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
