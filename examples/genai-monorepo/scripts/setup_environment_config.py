#!/usr/bin/env python3
"""Write one environment's application configuration to AWS Systems Manager Parameter Store.

Parameter Store is the highest-priority layer of the configuration hierarchy. Each value is
stored as a String parameter named /<environment>/mono-repo/<service>/<key>.

Usage: python scripts/setup_environment_config.py --environment prod [--region us-east-1]
"""

import argparse
import os

import boto3

ENVIRONMENTS = ('dev', 'uat', 'prod')


class EnvironmentConfigSetup:
    """Populate Parameter Store for one environment."""

    def __init__(self, environment, region=None):
        if environment not in ENVIRONMENTS:
            raise ValueError(f"unknown environment {environment!r}; expected one of {ENVIRONMENTS}")
        self.environment = environment
        self.ssm = boto3.client('ssm', region_name=region or os.getenv('AWS_REGION', 'us-east-1'))

    def put_parameters(self, service, params):
        """Store each key of ``params`` under /<environment>/mono-repo/<service>/<key>."""
        for key, value in params.items():
            self.ssm.put_parameter(
                Name=f'/{self.environment}/mono-repo/{service}/{key}',
                Value=value,
                Type='String',
                Overwrite=True,
            )

    def populate_application_parameters(self):
        """Populate application-specific parameters."""

        # FastAPI parameters
        fastapi_params = {
            'port': os.getenv('FASTAPI_PORT', '8000'),
            'host': '0.0.0.0',
            'debug': str(self.environment == 'dev').lower(),
            'workers': '1' if self.environment == 'dev' else '4',
            'reload': str(self.environment == 'dev').lower()
        }

        # Web application parameters
        web_params = {
            'port': os.getenv('WEB_PORT', '3000'),
            'debug': str(self.environment == 'dev').lower(),
            'build_env': self.environment
        }

        # Dash application parameters
        dash_params = {
            'port': os.getenv('DASH_PORT', '8050'),
            'debug': str(self.environment == 'dev').lower(),
            'dev_tools_hot_reload': str(self.environment == 'dev').lower()
        }

        # Airflow parameters
        airflow_params = {
            'webserver_port': os.getenv('AIRFLOW_WEBSERVER_PORT', '8080'),
            'executor': 'KubernetesExecutor',
            'namespace': f'airflow-{self.environment}',
            'dag_dir': '/opt/airflow/dags'
        }

        self.put_parameters('fastapi', fastapi_params)
        self.put_parameters('web', web_params)
        self.put_parameters('dash', dash_params)
        self.put_parameters('airflow', airflow_params)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--environment', required=True, choices=ENVIRONMENTS)
    parser.add_argument('--region', default=None, help='AWS region (default: $AWS_REGION or us-east-1)')
    args = parser.parse_args()
    EnvironmentConfigSetup(args.environment, args.region).populate_application_parameters()
    print(f'Parameter Store populated for {args.environment}')


if __name__ == '__main__':
    main()
