"""Risk analytics dashboard (Dash).

Run it with ``python dash/risk_dashboard.py``; its port comes from the configuration hierarchy
(see common/config_loader.py).
"""

import sys
from pathlib import Path

from dash import Dash, html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for common/
from common.config_loader import get_config  # noqa: E402

app = Dash(__name__, title="Risk Analytics")
app.layout = html.Div([html.H1("Risk Analytics")])

# Initialize configuration
config = get_config()
dash_config = config.get('dash', {})

if __name__ == '__main__':
    app.run_server(
        debug=dash_config.get('debug', False),
        host=dash_config.get('host', '0.0.0.0'),
        port=dash_config.get('port', 8050)  # Port from config hierarchy
    )
