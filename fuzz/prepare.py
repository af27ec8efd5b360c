"""Signs in as a user of the fuzzed service (setting up two-step sign-in first where the
shipped policy requires it of the role, as a new officer would), takes an API token, and adds
to a schemathesis configuration dictionaries of ids that exist (so that some cases reach past
404).

Usage: prepare.py BASE_URL EMAIL PASSWORD TOKEN_FILE CONFIG_FILE
(run by fuzz/run.sh with its venv, which has pyotp)
"""

import http.cookiejar
import json
import sys
import urllib.error
import urllib.request

import pyotp

base, email, password, token_file, config_file = sys.argv[1:6]

jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with opener.open(request, timeout=30) as response:
        return json.load(response)


call("POST", "/api/v1/session", {"email": email, "password": password})
if call("GET", "/api/v1/me/second-factor")["required"]:
    secret = call("POST", "/api/v1/me/second-factor", {})["secret"]
    call("POST", "/api/v1/me/second-factor/confirm", {"code": pyotp.TOTP(secret).now()})
token = call("POST", "/api/v1/tokens", {"name": "fuzz"})["token"]
with open(token_file, "w") as f:
    f.write(token)


def ids(path, key="id"):
    """Up to ten ids from a list route; none if this user may not list it."""
    try:
        page = call("GET", path + ("&" if "?" in path else "?") + "per_page=10", token=token)
    except urllib.error.HTTPError:
        return []
    items = page.get("items", []) if isinstance(page, dict) else page
    return [item[key] for item in items[:10] if item.get(key)]


found = {
    "employees": ids("/api/v1/employees"),
    "users": ids("/api/v1/users"),
    "departures": ids("/api/v1/departures"),
    "obligations": ids("/api/v1/obligations"),
    "carriers": ids("/api/v1/carriers"),
    "reminders": ids("/api/v1/reminders"),
    "breaches": ids("/api/v1/breaches"),
    "clearance": ids("/api/v1/clearance-changes"),
    "extensions": ids("/api/v1/extensions"),
    "pledge_texts": ids("/api/v1/pledge-texts"),
    "tasks": ids("/api/v1/tasks"),
}
lines = []
for departure in found["departures"][:3]:
    try:
        detail = call("GET", f"/api/v1/departures/{departure}", token=token)
    except urllib.error.HTTPError:
        continue
    lines += [line["id"] for line in detail.get("lines", []) if line.get("id")]
found["lines"] = lines[:10]
# Not the run's own user: resetting its own second factor would end the run's sign-in.
me = call("GET", "/api/v1/me", token=token)
found["users"] = [user for user in found["users"] if user != me.get("id")]
found = {name: values for name, values in found.items() if values}

# Where each kind of id goes: path parameters by route, body fields everywhere.
routes = {
    "employees": r"^/api/v1/employees/\{id\}",
    "users": r"^/api/v1/users/\{id\}",
    "departures": r"^/api/v1/departures/\{id\}",
    "obligations": r"^/api/v1/obligations/\{id\}",
    "carriers": r"^/api/v1/carriers/\{id\}",
    "reminders": r"^/api/v1/reminders/\{id\}",
    "breaches": r"^/api/v1/breaches/\{id\}",
    "clearance": r"^/api/v1/clearance-changes/\{id\}",
    "extensions": r"^/api/v1/extensions/\{id\}",
    "tasks": r"^/api/v1/tasks/\{id\}",
}
fields = {
    "employees": ["employee_id", "custodian_id", "to_custodian_id", "successor_id", "manager_id"],
    "obligations": ["obligation_id"],
    "pledge_texts": ["pledge_text_id"],
    "users": ["owner_id"],
}


def toml_list(values):
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


out = []
for name, values in found.items():
    out += [f"[dictionaries.{name}]", f"values = {toml_list(values)}", ""]
out.append("[parameters]")
for name, names in fields.items():
    if name in found:
        for field in names:
            out.append(f'"body.{field}" = {{ dictionary = "{name}", probability = 0.5 }}')
out.append("")
for name, regex in routes.items():
    if name not in found:
        continue
    out += ["[[operations]]", f"include-path-regex = {json.dumps(regex)}"]
    params = [f'"path.id" = {{ dictionary = "{name}", probability = 0.7 }}']
    if name == "departures" and "lines" in found:
        params.append('"path.line_id" = { dictionary = "lines", probability = 0.7 }')
    out += [f"parameters = {{ {', '.join(params)} }}", ""]
with open(config_file, "a") as f:
    f.write("\n".join(out))
print(", ".join(f"{len(v)} {k}" for k, v in found.items()))
