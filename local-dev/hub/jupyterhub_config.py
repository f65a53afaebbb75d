# JupyterHub for the identity tests and the local stack: users sign in with any password (dummy
# authenticator, never for real use), the notebook-jobs service is registered, every user holds
# its access scope, and a "harness" service may create users, groups and tokens over the API.
# Everything machine-specific comes from the environment set by local-dev/hub/hub.
import os

state = os.environ["NBJ_HUB_STATE_DIR"]
base = int(os.environ["NBJ_HUB_PORT_BASE"])
service = os.environ.get("NBJ_HUB_SERVICE_NAME", "notebook-jobs")

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ.get("NBJ_HUB_PASSWORD", "notebook-jobs")
c.Authenticator.allow_all = True
c.Authenticator.admin_users = set()

c.JupyterHub.bind_url = f"http://127.0.0.1:{base}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{base + 1}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{base + 2}"
c.ConfigurableHTTPProxy.command = [os.environ["NBJ_HUB_CHP"]]
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "proxy.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "cookie_secret")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")

c.JupyterHub.services = [
    # The service users' tokens must grant access to; it calls nothing on the hub itself.
    {"name": service},
    {"name": "harness", "api_token": os.environ["NBJ_HUB_HARNESS_TOKEN"]},
]
c.JupyterHub.load_roles = [
    # What docs/jupyterlab.md tells a hub admin to grant: every user may use the service.
    {"name": "user", "scopes": ["self", f"access:services!service={service}"]},
    {"name": "harness", "scopes": ["admin:users", "admin:groups", "tokens"], "services": ["harness"]},
]
# Users and groups to start with: "alice,bob,carol" and "cpsHPCAccess=bob;jupyter_admin=carol,dave".
users = [u for u in os.environ.get("NBJ_HUB_USERS", "").split(",") if u]
groups = {}
for entry in filter(None, os.environ.get("NBJ_HUB_GROUPS", "").split(";")):
    name, _, members = entry.partition("=")
    groups[name] = [m for m in members.split(",") if m]
c.JupyterHub.load_groups = {name: {"users": members} for name, members in groups.items()}
c.Authenticator.allowed_users = set(users)
# Tokens of single-user servers carry the service's scope too (JupyterHub 4+).
c.Spawner.server_token_scopes = [f"access:services!service={service}", "users:activity!user"]
