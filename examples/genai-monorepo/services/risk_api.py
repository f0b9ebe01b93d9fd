"""Risk API: the mono-repo's FastAPI service.

Run it with ``python services/risk_api.py``; its port comes from the configuration hierarchy
(see common/config_loader.py).
"""

import sys
from pathlib import Path

from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for common/
from common.config_loader import get_config  # noqa: E402

app = FastAPI(title="Risk API")


@app.get("/health")
async def health():
    """Liveness, readiness and load-balancer health check."""
    return {"status": "ok"}


if __name__ == "__main__":
    import uvicorn

    # Load configuration from hierarchy
    config = get_config()
    fastapi_config = config.get('fastapi', {})

    # Start server with configured ports
    uvicorn.run(
        "main:app",
        host=fastapi_config.get('host', '0.0.0.0'),
        port=fastapi_config.get('port', 8000),  # Port from config hierarchy
        reload=fastapi_config.get('reload', False),
        workers=fastapi_config.get('workers', 1)
    )

@app.get("/api/v1/config")
async def get_api_config():
    """Expose current configuration including port."""
    config = get_config()
    api_config = config.get('fastapi', {})

    return {
        "environment": config.get('app', {}).get('environment', 'unknown'),
        "host": api_config.get('host', '0.0.0.0'),
        "port": api_config.get('port', 8000)  # Current port configuration
    }
